package import MQTTCore
package import NIOCore

/// A change to what must outlive the process: a durable session (one whose expiry interval is
/// above 0 while `session_persistence` is on) or a retained message kept on disc. The core
/// appends them to its actions, in the order they happened; the transport commits them in
/// groups, and holds back each `sendCommitted` until what came before it is on disk.
///
/// Only QoS 1 and 2 messages are kept for a session: QoS 0 promises nothing across a restart.
package enum DurableChange: Sendable {
    /// The session as it connected: made, resumed, or its expiry interval changed.
    case sessionSaved(clientID: String, protocolVersion: ProtocolVersion, expiryInterval: UInt32)
    /// Its connection ended: it expires `expiryInterval` seconds from now.
    case sessionDisconnected(clientID: String, expiryInterval: UInt32)
    /// Gone (expired, replaced by a clean start, or no longer durable): everything of it.
    case sessionEnded(clientID: String)
    case subscribed(clientID: String, SubscribePacket.Subscription, identifier: Int?)
    case unsubscribed(clientID: String, filter: String)
    /// A message for the session, queued or sent; `sequence` orders and names it.
    case messageAdded(clientID: String, sequence: UInt64, ApplicationMessage, identifiers: [Int])
    /// Sent with this packet identifier (resent with it after a restart).
    case messageSent(clientID: String, sequence: UInt64, packetID: UInt16)
    /// QoS 2: the client's PUBREC came; PUBREL is what is resent.
    case messageReleased(clientID: String, sequence: UInt64)
    /// Acknowledged, dropped or expired.
    case messageRemoved(clientID: String, sequence: UInt64)
    /// An inbound QoS 2 message was routed and PUBREC is owed: a retransmission is not routed
    /// again, before or after a restart.
    case releaseAwaited(clientID: String, packetID: UInt16)
    case releaseCompleted(clientID: String, packetID: UInt16)
    /// The retained message of a topic (`retainer.backend.storage_type = disc`); nil clears it.
    case retained(topic: String, ApplicationMessage?)
}

/// What the state store held at start-up, for `Broker.restore`.
package struct RestoredState: Sendable {
    package var sessions: [RestoredSession] = []
    package var retained: [ApplicationMessage] = []

    package init(sessions: [RestoredSession] = [], retained: [ApplicationMessage] = []) {
        self.sessions = sessions
        self.retained = retained
    }
}

/// An offline durable session as it was stored.
package struct RestoredSession: Sendable {
    package var clientID: String
    package var protocolVersion: ProtocolVersion
    package var expiryInterval: UInt32
    /// What is left of its expiry interval now.
    package var expiresIn: TimeAmount
    package var subscriptions: [(SubscribePacket.Subscription, identifier: Int?)] = []
    /// In sequence order.
    package var messages: [Message] = []
    package var awaitingRelease: [UInt16] = []

    package struct Message: Sendable {
        package var sequence: UInt64
        package var message: ApplicationMessage
        package var identifiers: [Int]
        /// Set once it was sent: it is in flight, and resent with this identifier.
        package var packetID: UInt16?
        /// QoS 2 whose PUBREC came: PUBREL is resent.
        package var released: Bool

        package init(sequence: UInt64, message: ApplicationMessage, identifiers: [Int], packetID: UInt16?, released: Bool) {
            self.sequence = sequence
            self.message = message
            self.identifiers = identifiers
            self.packetID = packetID
            self.released = released
        }
    }

    package init(clientID: String, protocolVersion: ProtocolVersion, expiryInterval: UInt32, expiresIn: TimeAmount) {
        self.clientID = clientID
        self.protocolVersion = protocolVersion
        self.expiryInterval = expiryInterval
        self.expiresIn = expiresIn
    }
}
