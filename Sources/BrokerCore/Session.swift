package import MQTTCore
import NIOCore

/// What the broker keeps for a client ID: subscriptions, messages in flight both ways, the
/// queue of messages waiting, and the will. It outlives connections when its expiry interval
/// says so. Confined to the broker's event loop.
package final class Session {
    package let clientID: String
    var protocolVersion: ProtocolVersion
    /// The live connection, or nil while the client is offline.
    package var connection: (any MQTTConnection)?
    /// Filter text (with any `$share/` prefix) → options and subscription identifier.
    var subscriptions: [String: (options: SubscribePacket.Subscription, identifier: Int?)] = [:]

    /// Outgoing QoS 1 and 2 messages not yet acknowledged, in send order.
    var inflight: [UInt16: Outgoing] = [:]
    var inflightOrder: [UInt16] = []
    var queue: MessageQueue
    /// Incoming QoS 2 packet identifiers received and not yet released by PUBREL, with when
    /// they arrived (for mqtt.await_rel_timeout).
    var awaitingRelease: [UInt16: NIODeadline] = [:]
    /// Resends unacknowledged messages to 3.1.1 clients every mqtt.retry_interval.
    var retryTask: Scheduled<Void>?
    private var nextPacketID: UInt16 = 1

    /// What the client said it can take (5.0 CONNECT properties).
    var clientReceiveMaximum = 65535
    var clientMaximumPacketSize: Int?
    /// Topic aliases the client set for its publications (5.0).
    var inboundAliases: [UInt16: String] = [:]

    /// Seconds the session lives after its connection ends; `UInt32.max` is forever.
    var expiryInterval: UInt32 = 0
    var will: ConnectPacket.Will?
    var willTask: Scheduled<Void>?
    var expiryTask: Scheduled<Void>?

    struct Outgoing {
        var message: ApplicationMessage
        var subscriptionIdentifiers: [Int]
        var state: State
        var sentAt: NIODeadline

        enum State {
            case awaitingPubAck
            case awaitingPubRec
            case awaitingPubComp
        }
    }

    init(clientID: String, protocolVersion: ProtocolVersion, queueLimit: Int) {
        self.clientID = clientID
        self.protocolVersion = protocolVersion
        self.queue = MessageQueue(limit: queueLimit)
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

    func removeInflight(_ id: UInt16) -> Outgoing? {
        guard let removed = inflight.removeValue(forKey: id) else { return nil }
        if let index = inflightOrder.firstIndex(of: id) { inflightOrder.remove(at: index) }
        return removed
    }
}

/// What the broker needs from a connection; the NIO handler is the real one.
package protocol MQTTConnection: AnyObject {
    var protocolVersion: ProtocolVersion { get }
    /// Queues a packet; the broker flushes after each batch of input.
    func send(_ packet: MQTTPacket)
    /// Flushes queued packets to the socket.
    func flush()
    /// Closes the connection; with a reason, 5.0 clients get a DISCONNECT carrying it first.
    func close(reason: ReasonCode?)
    /// Whether its outbound buffer still has room (NIO's writability).
    var isWritable: Bool { get }
    /// Stops and restarts reading from the socket (flow control for fast publishers).
    func pauseReading()
    func resumeReading()
}
