package import MQTTCore
package import NIOCore

/// A connection as the broker core knows it: a number its transport gave it. The core never
/// holds a channel; it asks the transport, through actions, to write or close.
package struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt64
    package init(_ rawValue: UInt64) { self.rawValue = rawValue }
    package var description: String { "#\(rawValue)" }
}

/// What the broker core asks of its transport, in the order it must be done.
package enum BrokerAction: Sendable {
    /// Write a packet to a connection. The transport flushes each connection written to once,
    /// at the end of the batch of input that caused it.
    case send(MQTTPacket, to: ConnectionID)
    /// Write a packet once every `persist` before it is committed: the acknowledgement of what
    /// a durable session or the disc retainer now holds (PUBACK, PUBREC, PUBCOMP, SUBACK, …),
    /// or a QoS 2 PUBLISH whose packet identifier must survive a crash. Later writes to the
    /// same connection wait behind it, so its order holds.
    case sendCommitted(MQTTPacket, to: ConnectionID)
    /// Keep this change (`DurableChange`), in order with the others.
    case persist(DurableChange)
    /// Close a connection, what was sent to it first; a 5.0 client gets DISCONNECT with
    /// `reason` when there is one.
    case close(ConnectionID, reason: ReasonCode?)
    /// Call the core's `timerFired(_:now:actions:)` with `timer` at `deadline`. Timers are
    /// never cancelled: a timer that no longer applies finds nothing to do when it fires.
    case schedule(BrokerTimer, at: NIODeadline)
}

/// The core's timers, each naming what it is for.
package enum BrokerTimer: Hashable, Sendable {
    /// A will's delay has passed (5.0 Will Delay Interval).
    case will(clientID: String, generation: Int)
    /// An offline session's expiry interval has passed.
    case sessionExpiry(clientID: String, generation: Int)
    /// 3.1.1: unacknowledged messages are due again (mqtt.retry_interval).
    case retry(clientID: String, generation: Int)
    /// retainer.msg_clear_interval has passed: expired retained messages are swept out.
    case retainerSweep
}

/// The actions of one call into the core. The transport keeps one and empties it after each
/// call, so its storage is reused and a PUBLISH routed to N subscribers allocates no array.
package struct BrokerActions: Sendable {
    package private(set) var all: [BrokerAction] = []

    package init() {}

    package mutating func append(_ action: BrokerAction) {
        if case .persist = action { persisted += 1 }
        all.append(action)
    }

    /// How many `persist` actions were appended since the list was made: a call compares it
    /// before and after a step to learn whether the step changed durable state.
    package private(set) var persisted = 0

    /// Empties the list, keeping its storage.
    package mutating func removeAll() { all.removeAll(keepingCapacity: true) }

    package var isEmpty: Bool { all.isEmpty }
}
