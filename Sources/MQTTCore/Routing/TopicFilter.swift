/// An MQTT topic filter (MQTT 5.0 §4.7, 3.1.1 §4.7), validated, with its levels split once so
/// that matching a topic name allocates nothing.
///
/// Rules: at least one character; no NUL; at most 65535 UTF-8 bytes; `#` only as the whole
/// last level; `+` only as a whole level. Shared subscriptions (`$share/group/filter`) are
/// parsed by the subscription layer, which hands the inner filter here.
public struct TopicFilter: Hashable, Sendable, CustomStringConvertible {
    public struct Invalid: Error, Hashable, Sendable, CustomStringConvertible {
        public let filter: String
        public let reason: String
        public var description: String { "invalid topic filter \"\(filter)\": \(reason)" }
    }

    package enum Level: Hashable, Sendable {
        case literal(Substring)
        case singleLevelWildcard
        case multiLevelWildcard
    }

    public let description: String
    package let levels: [Level]

    public init(_ filter: String) throws {
        guard !filter.isEmpty else { throw Invalid(filter: filter, reason: "it is empty") }
        guard filter.utf8.count <= 65535 else { throw Invalid(filter: filter, reason: "it is longer than 65535 bytes") }
        guard !filter.utf8.contains(0) else { throw Invalid(filter: filter, reason: "it contains a NUL character") }
        let parts = filter.split(separator: "/", omittingEmptySubsequences: false)
        var levels: [Level] = []
        levels.reserveCapacity(parts.count)
        for (index, part) in parts.enumerated() {
            switch part {
            case "#":
                guard index == parts.count - 1 else {
                    throw Invalid(filter: filter, reason: "# must be the last level")
                }
                levels.append(.multiLevelWildcard)
            case "+":
                levels.append(.singleLevelWildcard)
            default:
                guard !part.contains("#") else { throw Invalid(filter: filter, reason: "# must occupy a whole level") }
                guard !part.contains("+") else { throw Invalid(filter: filter, reason: "+ must occupy a whole level") }
                levels.append(.literal(part))
            }
        }
        self.description = filter
        self.levels = levels
    }

    /// Whether the filter has a `+` or `#`.
    public var hasWildcards: Bool { levels.contains { if case .literal = $0 { false } else { true } } }

    /// Whether `topic` (a valid topic name) matches. Per §4.7.2, a topic starting with `$`
    /// is not matched by a filter whose first level is a wildcard.
    public func matches(_ topic: String) -> Bool {
        var levelIndex = 0
        var topicLevels = topic.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).makeIterator()
        if topic.utf8.first == UInt8(ascii: "$") {
            guard case .literal = levels[0] else { return false }
        }
        while let topicLevel = topicLevels.next() {
            guard levelIndex < levels.count else { return false }
            switch levels[levelIndex] {
            case .multiLevelWildcard:
                return true
            case .singleLevelWildcard:
                break
            case .literal(let literal):
                guard literal.utf8.elementsEqual(topicLevel) else { return false }
            }
            levelIndex += 1
        }
        // "sport/#" also matches "sport" itself: # covers the parent level.
        if levelIndex == levels.count - 1, levels[levelIndex] == .multiLevelWildcard { return true }
        return levelIndex == levels.count
    }
}
