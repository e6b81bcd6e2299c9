package import BrokerRuntime
import CertTools
import ConfigModel
import Foundation
import Revocation

extension StatusReport {
    /// The status of a running server, from one snapshot of it.
    package init(snapshot: ServerSnapshot) {
        self.init(source: .live, generatedAt: snapshot.takenAt)
        startedAt = snapshot.startedAt
        let material = Dictionary(
            uniqueKeysWithValues: snapshot.listeners.compactMap { listener in
                listener.material.map { (listener.config.id, $0) }
            })
        describe(
            snapshot.config, listeners: snapshot.listeners.map(\.config), material: material, pskIdentities: snapshot.pskIdentities)
        for (index, listener) in snapshot.listeners.enumerated() where listeners.indices.contains(index) {
            listeners[index].bind = listener.boundAddress
            listeners[index].connections = listener.connections
            if listener.config.sslOptions != nil {
                listeners[index].handshakes = listener.handshakes
                listeners[index].handshakeFailures = listener.handshakeFailures.total
            }
            let id = listener.config.id
            if let staple = listener.staple {
                var status = StapleStatus(listener: id, state: .none, fetchedAt: staple.fetchedAt, lastError: staple.lastError)
                if let response = staple.status {
                    if case .revoked(_, _) = response.state { status.state = .revoked } else { status.state = .good }
                    status.thisUpdate = response.thisUpdate
                    status.nextUpdate = response.nextUpdate
                    status.ageSeconds = Int(snapshot.takenAt.timeIntervalSince(response.thisUpdate))
                }
                ocsp.append(status)
            }
            let policy = listener.config.sslOptions?.crlUnavailable ?? .failClosed
            for source in listener.crlSources ?? [] {
                if source.crls.isEmpty {
                    crls.append(CRLStatus(listener: id, source: source.source, lastError: source.lastError, policy: policy.rawValue))
                }
                for crl in source.crls {
                    crls.append(Self.crlStatus(crl, listener: id, source: source.source, policy: policy, lastError: source.lastError))
                }
            }
        }
        traffic = TrafficStatus(
            connectedClients: snapshot.connectedClients, sessions: snapshot.sessions, messagesReceived: snapshot.messagesReceived,
            messagesDelivered: snapshot.messagesDelivered,
            messagesDropped: snapshot.dropsQueueFull + snapshot.dropsQoS0NotQueued + snapshot.dropsTooLarge)
    }
}
