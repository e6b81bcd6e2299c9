package import CertTools
package import ConfigModel
package import ConfigPreflight
package import Foundation
package import Revocation

/// What a running server is and has done, read in one step on its event loop: the facts
/// behind `GET /metrics`, `GET /api/v5/status` and the status page. Counters count from start.
package struct ServerSnapshot: Sendable {
    package struct Listener: Sendable {
        package let config: ListenerConfig
        /// The address it is bound to (a port 0 in the config shows the real port).
        package let boundAddress: String
        package let connections: Int
        package let handshakes: Int
        package let handshakeFailures: HandshakeFailureCounts
        /// Connections closed at accept: by access_rules, max_connections and max_conn_rate.
        package let deniedByAccessRules: Int
        package let shedByCapacity: Int
        package let shedByRate: Int
        package let bytesReceived: Int
        package let bytesSent: Int
        /// The files an ssl listener serves (as the last start or reload read them).
        package let material: ListenerMaterial?
        /// The OCSP staple, when stapling is on.
        package let staple: StapleState?
        /// Each CRL source, when CRL checks are on.
        package let crlSources: [CRLSourceState]?
    }

    package struct StapleState: Sendable {
        package let status: OCSPCertificateStatus?
        package let fetchedAt: Date?
        package let lastError: String?
    }

    package let startedAt: Date
    package let takenAt: Date
    package let listeners: [Listener]
    /// Sessions, and those with a connection (CONNECT accepted).
    package let sessions: Int
    package let connectedClients: Int
    package let messagesReceived: Int
    package let messagesDelivered: Int
    package let dropsQueueFull: Int
    package let dropsQoS0NotQueued: Int
    package let dropsTooLarge: Int
    /// The PSK store's identities, when PSK is on.
    package let pskIdentities: Int?
    /// The config in force (the last start or reload).
    package let config: BrokerConfig
}
