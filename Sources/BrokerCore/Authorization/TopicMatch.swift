/// Matching a client's topic or filter against a rule's filter, level by level over their
/// UTF-8 bytes in place (it runs for every uncached PUBLISH and SUBSCRIBE, once per rule).
enum TopicMatch {
    /// A PUBLISH topic name against a rule filter, as MQTT matches (§4.7): `+` one level, `#`
    /// the rest (and the parent); a leading wildcard never matches a `$` topic.
    static func topic(_ topic: String, matches filter: String) -> Bool {
        withBytes(topic, filter) { topic, filter in
            var topicLevels = Levels(topic)
            var filterLevels = Levels(filter)
            var first = true
            while let rule = filterLevels.next() {
                let level = topicLevels.next()
                if first, let level, level.first == UInt8(ascii: "$"), rule.isWildcard { return false }
                first = false
                if rule.isMultiLevel { return true }
                guard let level else { return false }
                if rule.isSingleLevel { continue }
                if !level.elementsEqual(rule) { return false }
            }
            return topicLevels.next() == nil
        }
    }

    /// A SUBSCRIBE filter against a rule filter: allowed only when every topic the client's
    /// filter can match is one the rule covers. Beyond EMQX (its Q6b), a rule `a/+` does not
    /// let a client subscribe to `a/#`: `+` covers one level, never `#`.
    static func filter(_ filter: String, isCoveredBy rule: String) -> Bool {
        withBytes(filter, rule) { filter, rule in
            var clientLevels = Levels(filter)
            var ruleLevels = Levels(rule)
            var first = true
            while let ruleLevel = ruleLevels.next() {
                let level = clientLevels.next()
                if first, let level, level.first == UInt8(ascii: "$"), ruleLevel.isWildcard { return false }
                first = false
                if ruleLevel.isMultiLevel { return true }
                guard let level else { return false }
                if ruleLevel.isSingleLevel {
                    if level.isMultiLevel { return false }
                    continue
                }
                if level.isWildcard || !level.elementsEqual(ruleLevel) { return false }
            }
            return clientLevels.next() == nil
        }
    }

    /// Both strings' UTF-8 bytes, in place for native strings (copied otherwise).
    private static func withBytes(
        _ first: String, _ second: String, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        let result = first.utf8.withContiguousStorageIfAvailable { a in
            second.utf8.withContiguousStorageIfAvailable { b in body(a, b) }
        }
        if let result, let result { return result }
        return Array(first.utf8).withUnsafeBufferPointer { a in Array(second.utf8).withUnsafeBufferPointer { b in body(a, b) } }
    }

    /// The `/`-separated levels of a topic or filter (empty levels included).
    struct Levels {
        private let bytes: UnsafeBufferPointer<UInt8>
        private var position: Int?

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            position = 0
        }

        mutating func next() -> Slice<UnsafeBufferPointer<UInt8>>? {
            guard let start = position else { return nil }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
            position = end < bytes.count ? end + 1 : nil
            return bytes[start..<end]
        }
    }
}

extension Slice<UnsafeBufferPointer<UInt8>> {
    fileprivate var isMultiLevel: Bool { count == 1 && first == UInt8(ascii: "#") }
    fileprivate var isSingleLevel: Bool { count == 1 && first == UInt8(ascii: "+") }
    fileprivate var isWildcard: Bool { isMultiLevel || isSingleLevel }
}
