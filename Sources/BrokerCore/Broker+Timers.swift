import ConfigModel
import Logging
import MQTTCore
package import NIOCore

extension Broker {
    /// A timer the core scheduled has come due. One that no longer applies (its session
    /// reconnected, ended, or armed a newer one) does nothing.
    package mutating func timerFired(_ timer: BrokerTimer, now: NIODeadline, actions: inout BrokerActions) {
        switch timer {
        case .will(let clientID, let generation):
            guard let session = sessions[clientID], session.willGeneration == generation else { return }
            publishWillNow(session, now: now, actions: &actions)
        case .sessionExpiry(let clientID, let generation):
            guard let session = sessions[clientID], session.expiryGeneration == generation, session.connection == nil else { return }
            publishWillNow(session, now: now, actions: &actions)
            end(session, actions: &actions)
        case .retry(let clientID, let generation):
            guard let session = sessions[clientID], session.retryGeneration == generation else { return }
            session.retryArmed = false
            retry(session, now: now, actions: &actions)
        case .retainerSweep:
            sweepRetained(now: now, actions: &actions)
        }
    }

    /// 3.1.1 only: resend what is still unacknowledged after mqtt.retry_interval, with DUP.
    /// (5.0 §4.4 forbids resending except on reconnect, which `resume` does for both.)
    mutating func armRetry(_ session: Session, now: NIODeadline, actions: inout BrokerActions) {
        guard !session.retryArmed, !session.protocolVersion.hasProperties, session.limits.value.retryInterval.milliseconds > 0 else {
            return
        }
        session.retryArmed = true
        session.retryGeneration += 1
        let interval = TimeAmount.milliseconds(session.limits.value.retryInterval.milliseconds)
        actions.append(.schedule(.retry(clientID: session.clientID, generation: session.retryGeneration), at: now + interval))
    }

    private mutating func retry(_ session: Session, now: NIODeadline, actions: inout BrokerActions) {
        guard let connection = session.connection, !session.inflight.isEmpty else { return }
        let due = now - .milliseconds(session.limits.value.retryInterval.milliseconds)
        for id in session.inflightOrder {
            guard var outgoing = session.inflight[id], outgoing.sentAt <= due else { continue }
            outgoing.sentAt = now
            session.inflight[id] = outgoing
            if outgoing.state == .awaitingPubComp {
                actions.append(.send(.pubrel(PubAckPacket(packetIdentifier: id)), to: connection))
            } else {
                transmit(
                    outgoing.message, packetID: id, identifiers: [], duplicate: true, to: session, via: connection, now: now,
                    actions: &actions)
            }
        }
        armRetry(session, now: now, actions: &actions)
    }

    /// Shutting down: every connected 5.0 client is told so (0x8B), and every connection closed.
    package mutating func shutdown(actions: inout BrokerActions) {
        for connection in links.keys { actions.append(.close(connection, reason: .serverShuttingDown)) }
    }
}
