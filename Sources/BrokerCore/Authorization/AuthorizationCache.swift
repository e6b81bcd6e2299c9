import NIOCore

/// A session's recent authorization answers (EMQX's `emqx_authz_cache`): `(action, topic)` to
/// allowed or not, each good for the policy's ttl and only for the policy it came from. When
/// full, the oldest entry goes. Confined to the broker's loop with its session.
struct AuthorizationCache {
    struct Key: Hashable {
        let action: AuthorizationRequest.Action
        let topic: String
    }

    private var entries: [Key: (allowed: Bool, at: NIODeadline)] = [:]
    /// Keys in insertion order from `head`; compacted when half is dead.
    private var order: [Key] = []
    private var head = 0
    /// The policy generation the entries belong to.
    private var generation = 0

    mutating func lookup(_ key: Key, now: NIODeadline, ttl: Int64, generation: Int) -> Bool? {
        guard generation == self.generation, let entry = entries[key] else { return nil }
        guard (now - entry.at).nanoseconds < ttl else { return nil }
        return entry.allowed
    }

    mutating func store(_ key: Key, allowed: Bool, now: NIODeadline, capacity: Int, generation: Int) {
        if generation != self.generation {
            entries.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            head = 0
            self.generation = generation
        }
        if entries.updateValue((allowed, now), forKey: key) == nil {
            order.append(key)
            while entries.count > capacity, head < order.count {
                entries[order[head]] = nil
                head += 1
            }
            if head > 64 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    var count: Int { entries.count }
}
