import ConfigModel
package import MQTTCore
package import NIOCore

/// What the broker keeps for a client ID: subscriptions, messages in flight both ways, the
/// queue of messages waiting, and the will. It outlives connections when its expiry interval
/// says so. Confined to the broker's event loop.
package final class Session {
    package let clientID: String
    package var protocolVersion: ProtocolVersion
    /// The live connection, or nil while the client is offline.
    package var connection: ConnectionID?
    /// Who the connection that made or resumed it is, for authorization: the user name,
    /// address, certificate CN and superuser flag that CONNECT and authentication established.
    package var client: AuthorizationClient
    /// Recent authorization answers.
    var authorizationCache = AuthorizationCache()
    /// The filters it holds (with any `$share/` prefix): an index into the subscription tree,
    /// which alone keeps their options, so that the session can leave it.
    package var filters: Set<String> = []

    /// Outgoing QoS 1 and 2 messages not yet acknowledged, in send order.
    package var inflight: [UInt16: Outgoing] = [:]
    package var inflightOrder: [UInt16] = []
    var queue: MessageQueue
    /// Incoming QoS 2 packet identifiers received and not yet released by PUBREL, with when
    /// they arrived (for mqtt.await_rel_timeout).
    package var awaitingRelease: [UInt16: NIODeadline] = [:]
    private var nextPacketID: UInt16 = 1
    /// Kept in the state store (`session_persistence` on and an expiry interval above 0):
    /// its changes go out as `DurableChange`s.
    package var isDurable = false
    /// Names each QoS 1 and 2 message given to a durable session, in order.
    var nextSequence: UInt64 = 1

    /// What the client said it can take (5.0 CONNECT properties).
    package var clientReceiveMaximum = 65535
    package var clientMaximumPacketSize: Int?
    /// Topic aliases the client set for its publications (5.0).
    package var inboundAliases: [UInt16: String] = [:]

    /// Seconds the session lives after its connection ends; `UInt32.max` is forever.
    package var expiryInterval: UInt32 = 0
    package var will: Shared<ConnectPacket.Will>?
    /// Which will, expiry and retry timers still apply: a timer carries the generation it was
    /// armed in, and one that is not current does nothing when it fires.
    var willGeneration = 0
    var expiryGeneration = 0
    var retryGeneration = 0
    var retryArmed = false

    package struct Outgoing {
        package var message: ApplicationMessage
        package var subscriptionIdentifiers: [Int]
        package var state: State
        package var sentAt: NIODeadline
        /// Its name in the state store (0 for a session that is not durable).
        package var sequence: UInt64 = 0

        package enum State {
            case awaitingPubAck
            case awaitingPubRec
            case awaitingPubComp
        }
    }

    /// The `mqtt {}` limits in force when the client last connected: what its CONNACK told it
    /// (Receive Maximum, Maximum QoS, Topic Alias Maximum, …), so a reload's new limits apply
    /// to the next CONNECT, never to a session mid-way.
    var limits = Session.defaultLimits
    static let defaultLimits = Shared(MQTTConfig())

    init(clientID: String, protocolVersion: ProtocolVersion, queueLimit: Int) {
        self.clientID = clientID
        self.protocolVersion = protocolVersion
        self.queue = MessageQueue(limit: queueLimit)
        self.client = AuthorizationClient(clientID: clientID)
    }

    /// The next free packet identifier (1…65535, skipping ones in flight).
    func allocatePacketID() -> UInt16 {
        for _ in 0..<65535 {
            let candidate = nextPacketID
            nextPacketID = nextPacketID == 65535 ? 1 : nextPacketID + 1
            if inflight[candidate] == nil { return candidate }
        }
        preconditionFailure("65535 messages in flight")
    }

    /// The sequence for a message it is given: 0 unless it is durable and the message is QoS 1
    /// or 2, the ones kept.
    func sequence(for message: ApplicationMessage) -> UInt64 {
        guard isDurable, message.qos != .atMostOnce else { return 0 }
        defer { nextSequence += 1 }
        return nextSequence
    }

    func removeInflight(_ id: UInt16) -> Outgoing? {
        guard let removed = inflight.removeValue(forKey: id) else { return nil }
        if let index = inflightOrder.firstIndex(of: id) { inflightOrder.remove(at: index) }
        return removed
    }

    /// The number of messages waiting in its queue.
    package var queuedCount: Int { queue.count }
}
