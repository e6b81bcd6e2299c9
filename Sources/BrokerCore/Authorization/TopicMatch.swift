/// Matching a client's topic or filter against a rule's filter, level by level over UTF-8,
/// without splitting either into arrays (it runs for every uncached PUBLISH and SUBSCRIBE).
enum TopicMatch {
    /// A PUBLISH topic name against a rule filter, as MQTT matches (§4.7): `+` one level, `#`
    /// the rest (and the parent); a leading wildcard never matches a `$` topic.
    static func topic(_ topic: String, matches filter: String) -> Bool {
        var topicLevels = Levels(topic)
        var filterLevels = Levels(filter)
        var first = true
        while let rule = filterLevels.next() {
            let level = topicLevels.next()
            if first, level?.first == UInt8(ascii: "$"), rule.isWildcard { return false }
            first = false
            if rule.isMultiLevel { return true }
            guard let level else { return false }
            if rule.isSingleLevel { continue }
            if !level.elementsEqual(rule) { return false }
        }
        return topicLevels.next() == nil
    }

    /// A SUBSCRIBE filter against a rule filter: allowed only when every topic the client's
    /// filter can match is one the rule covers. Beyond EMQX (its Q6b), a rule `a/+` does not
    /// let a client subscribe to `a/#`: `+` covers one level, never `#`.
    static func filter(_ filter: String, isCoveredBy rule: String) -> Bool {
        var clientLevels = Levels(filter)
        var ruleLevels = Levels(rule)
        var first = true
        while let ruleLevel = ruleLevels.next() {
            let level = clientLevels.next()
            if first, level?.first == UInt8(ascii: "$"), ruleLevel.isWildcard { return false }
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

    /// The `/`-separated levels of a topic or filter, as UTF-8 slices (empty levels included).
    struct Levels {
        private let utf8: String.UTF8View
        private var position: String.UTF8View.Index?

        init(_ text: String) {
            utf8 = text.utf8
            position = utf8.startIndex
        }

        mutating func next() -> Substring.UTF8View? {
            guard let start = position else { return nil }
            if let slash = utf8[start...].firstIndex(of: UInt8(ascii: "/")) {
                position = utf8.index(after: slash)
                return Substring(utf8[start..<slash]).utf8
            }
            position = nil
            return Substring(utf8[start...]).utf8
        }
    }
}

extension Substring.UTF8View {
    fileprivate var isMultiLevel: Bool { count == 1 && first == UInt8(ascii: "#") }
    fileprivate var isSingleLevel: Bool { count == 1 && first == UInt8(ascii: "+") }
    fileprivate var isWildcard: Bool { isMultiLevel || isSingleLevel }
}
