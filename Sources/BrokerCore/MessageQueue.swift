import MQTTCore

/// A FIFO of messages waiting for a session: offline, or over its inflight window. Bounded by
/// `mqtt.max_mqueue_len`; when full, the oldest message is dropped and counted, as EMQX does.
struct MessageQueue {
    private var storage: [ApplicationMessage] = []
    private var head = 0
    let limit: Int
    private(set) var dropped = 0

    init(limit: Int) { self.limit = limit }

    var count: Int { storage.count - head }
    var isEmpty: Bool { count == 0 }

    /// Appends; returns false when the oldest message had to be dropped to make room.
    @discardableResult
    mutating func append(_ message: ApplicationMessage) -> Bool {
        var keptAll = true
        if limit > 0 && count >= limit {
            _ = popFirst()
            dropped += 1
            keptAll = false
        }
        storage.append(message)
        return keptAll
    }

    mutating func popFirst() -> ApplicationMessage? {
        guard head < storage.count else { return nil }
        let message = storage[head]
        head += 1
        if head > 64 && head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return message
    }

    mutating func removeAll() {
        storage.removeAll()
        head = 0
    }
}
