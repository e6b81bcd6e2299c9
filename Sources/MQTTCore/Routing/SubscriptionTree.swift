/// Topic filters and who subscribed with them, matched against topic names (§4.7). Pure: it
/// matches and nothing else; delivery and authorization happen elsewhere.
///
/// A trie by topic level, so matching a topic visits only the levels it has, plus the `+` and
/// `#` branches. Shared subscriptions (`$share/group/filter`) live in the same trie, grouped,
/// and each match picks one member per group, round robin.
///
/// A reference type confined to the broker's event loop; not thread-safe.
public final class SubscriptionTree<Subscriber: Hashable & Sendable> {
    /// What one subscriber asked for with one filter.
    public struct Entry: Sendable, Hashable {
        public let subscriber: Subscriber
        public let options: SubscribePacket.Subscription
        public let subscriptionIdentifier: Int?
    }

    private final class Node {
        var children: [Substring: Node] = [:]
        var plus: Node?
        var hash: Node?
        /// Direct subscribers of the filter that ends here.
        var entries: [Subscriber: Entry] = [:]
        /// Shared groups of the filter that ends here: group name → members in join order.
        var groups: [String: SharedGroup] = [:]

        var isEmpty: Bool { children.isEmpty && plus == nil && hash == nil && entries.isEmpty && groups.isEmpty }
    }

    private final class SharedGroup {
        var members: [Entry] = []
        var next = 0
    }

    private let root = Node()
    public private(set) var count = 0

    public init() {}

    /// A parsed `$share/group/filter`, or a plain filter.
    public struct ParsedFilter: Sendable, Hashable {
        public let filter: TopicFilter
        public let shareGroup: String?

        public init(_ text: String) throws {
            if text.hasPrefix("$share/") {
                let rest = text.dropFirst("$share/".count)
                guard let slash = rest.firstIndex(of: "/"), slash > rest.startIndex else {
                    throw TopicFilter.Invalid(filter: text, reason: "a shared subscription is $share/GROUP/FILTER")
                }
                let group = String(rest[..<slash])
                guard !group.contains("+"), !group.contains("#") else {
                    throw TopicFilter.Invalid(filter: text, reason: "the share group name cannot hold + or #")
                }
                shareGroup = group
                filter = try TopicFilter(String(rest[rest.index(after: slash)...]))
            } else {
                shareGroup = nil
                filter = try TopicFilter(text)
            }
        }
    }

    /// Adds or replaces `subscriber`'s subscription; true when it is new.
    @discardableResult
    public func subscribe(_ subscriber: Subscriber, _ filter: ParsedFilter, options: SubscribePacket.Subscription, identifier: Int?) -> Bool
    {
        let node = descend(filter.filter, create: true)!
        let entry = Entry(subscriber: subscriber, options: options, subscriptionIdentifier: identifier)
        if let group = filter.shareGroup {
            let shared = node.groups[group] ?? SharedGroup()
            node.groups[group] = shared
            if let index = shared.members.firstIndex(where: { $0.subscriber == subscriber }) {
                shared.members[index] = entry
                return false
            }
            shared.members.append(entry)
        } else {
            if node.entries.updateValue(entry, forKey: subscriber) != nil { return false }
        }
        count += 1
        return true
    }

    /// The subscription `subscriber` holds with `filter`, if it holds one.
    public func entry(of subscriber: Subscriber, _ filter: ParsedFilter) -> Entry? {
        guard let node = descend(filter.filter, create: false) else { return nil }
        if let group = filter.shareGroup { return node.groups[group]?.members.first { $0.subscriber == subscriber } }
        return node.entries[subscriber]
    }

    /// Removes a subscription; true when there was one.
    @discardableResult
    public func unsubscribe(_ subscriber: Subscriber, _ filter: ParsedFilter) -> Bool {
        guard let node = descend(filter.filter, create: false) else { return false }
        var removed = false
        if let group = filter.shareGroup, let shared = node.groups[group] {
            if let index = shared.members.firstIndex(where: { $0.subscriber == subscriber }) {
                shared.members.remove(at: index)
                removed = true
                if shared.members.isEmpty { node.groups[group] = nil }
            }
        } else if filter.shareGroup == nil {
            removed = node.entries.removeValue(forKey: subscriber) != nil
        }
        if removed {
            count -= 1
            prune(filter.filter)
        }
        return removed
    }

    /// Every subscription matching `topic`: all direct subscribers, and one member of each
    /// shared group (round robin). A subscriber with several matching filters appears once per
    /// filter; the caller merges.
    public func match(_ topic: String, _ body: (Entry) -> Void) {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        let dollar = topic.first == "$"
        match(root, levels[...], dollar: dollar, body)
    }

    private func match(_ node: Node, _ levels: ArraySlice<Substring>, dollar: Bool, _ body: (Entry) -> Void) {
        // `#` matches the parent level too ("sport/#" matches "sport"), but not a $ topic at
        // the first level (§4.7.2).
        if let hash = node.hash, !(dollar && node === root) { deliver(hash, body) }
        guard let level = levels.first else {
            deliver(node, body)
            return
        }
        let rest = levels.dropFirst()
        if let child = node.children[level] { match(child, rest, dollar: dollar, body) }
        if let plus = node.plus, !(dollar && node === root) { match(plus, rest, dollar: dollar, body) }
    }

    private func deliver(_ node: Node, _ body: (Entry) -> Void) {
        for entry in node.entries.values { body(entry) }
        for group in node.groups.values where !group.members.isEmpty {
            body(group.members[group.next % group.members.count])
            group.next = (group.next + 1) % group.members.count
        }
    }

    private func descend(_ filter: TopicFilter, create: Bool) -> Node? {
        var node = root
        for level in filter.levels {
            switch level {
            case .multiLevelWildcard:
                if node.hash == nil {
                    guard create else { return nil }
                    node.hash = Node()
                }
                node = node.hash!
            case .singleLevelWildcard:
                if node.plus == nil {
                    guard create else { return nil }
                    node.plus = Node()
                }
                node = node.plus!
            case .literal(let name):
                if let child = node.children[name] {
                    node = child
                } else {
                    guard create else { return nil }
                    let child = Node()
                    node.children[name] = child
                    node = child
                }
            }
        }
        return node
    }

    /// Drops empty nodes along `filter`'s path, so the trie does not grow with churn.
    private func prune(_ filter: TopicFilter) {
        var path: [(Node, TopicFilter.Level)] = []
        var node = root
        for level in filter.levels {
            path.append((node, level))
            switch level {
            case .multiLevelWildcard: guard let next = node.hash else { return }; node = next
            case .singleLevelWildcard: guard let next = node.plus else { return }; node = next
            case .literal(let name): guard let next = node.children[name] else { return }; node = next
            }
        }
        var child = node
        for (parent, level) in path.reversed() {
            guard child.isEmpty else { return }
            switch level {
            case .multiLevelWildcard: parent.hash = nil
            case .singleLevelWildcard: parent.plus = nil
            case .literal(let name): parent.children[name] = nil
            }
            child = parent
        }
    }
}
