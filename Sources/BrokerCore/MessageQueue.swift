import MQTTCore
import NIOCore

/// A FIFO of messages waiting for a session: offline, busy (its connection's unsent bytes
/// are over tcp_options.high_watermark), or over its inflight window. Bounded by
/// `mqtt.max_mqueue_len`; when full, the oldest message is dropped and counted, as EMQX does.
/// Each message keeps the subscription identifiers it is delivered with.
///
/// A queued payload is copied into a buffer of its own: a PUBLISH read from a socket is a
/// slice of the read buffer, and a thousand queued slices would keep a thousand 64 kB read
/// buffers alive.
struct MessageQueue {
    struct Entry {
        var message: ApplicationMessage
        var identifiers: [Int]
        /// Its name in the state store; 0 when it is not kept there.
        var sequence: UInt64 = 0
    }

    /// Made at the first append: an empty CircularBuffer holds 16 entries (an ApplicationMessage
    /// each), about 8 kB, which every idle session would carry.
    private var storage: CircularBuffer<Entry>?
    let limit: Int
    private(set) var dropped = 0
    /// The payload bytes it holds.
    private(set) var bytes = 0

    init(limit: Int) { self.limit = limit }

    var count: Int { storage?.count ?? 0 }
    var isEmpty: Bool { storage?.isEmpty ?? true }

    /// Appends; returns the oldest entry when it had to be dropped to make room.
    @discardableResult
    mutating func append(_ message: ApplicationMessage, identifiers: [Int], sequence: UInt64 = 0) -> Entry? {
        var droppedEntry: Entry?
        if limit > 0 && count >= limit {
            droppedEntry = popFirst()
            dropped += 1
        }
        var owned = message
        owned.payload = ByteBuffer(buffer: message.payload)
        bytes += owned.payload.readableBytes
        if storage == nil { storage = CircularBuffer(initialCapacity: 4) }
        storage!.append(Entry(message: owned, identifiers: identifiers, sequence: sequence))
        return droppedEntry
    }

    /// The oldest message, left in the queue.
    var first: Entry? { storage?.first }

    mutating func popFirst() -> Entry? {
        guard let entry = storage?.popFirst() else { return nil }
        bytes -= entry.message.payload.readableBytes
        return entry
    }

    mutating func removeAll() {
        storage = nil
        bytes = 0
    }
}
