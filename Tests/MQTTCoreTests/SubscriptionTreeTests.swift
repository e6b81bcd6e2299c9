import MQTTCore
import Testing

@Suite struct SubscriptionTreeTests {
    func parsed(_ text: String) throws -> SubscriptionTree<String>.ParsedFilter { try .init(text) }

    func matches(_ tree: SubscriptionTree<String>, _ topic: String) -> [String] {
        var subscribers: [String] = []
        tree.match(topic) { subscribers.append($0.subscriber) }
        return subscribers.sorted()
    }

    @Test func matchesLikeTopicFilters() throws {
        let tree = SubscriptionTree<String>()
        let filters = ["sport/#", "sport/+/player1", "+/+", "#", "sport/tennis/player1", "$SYS/#"]
        for (index, filter) in filters.enumerated() {
            tree.subscribe("c\(index)", try parsed(filter), options: .init(topicFilter: filter, qos: .atMostOnce), identifier: nil)
        }
        #expect(tree.count == filters.count)
        for topic in ["sport", "sport/tennis/player1", "a/b", "$SYS/uptime", "x", "/", "sport/tennis"] {
            let expected = filters.enumerated().filter { (try? TopicFilter($0.element).matches(topic)) == true }.map { "c\($0.offset)" }
                .sorted()
            #expect(matches(tree, topic) == expected, "\(topic)")
        }
    }

    @Test func sharedGroupsRoundRobinAndUnsubscribe() throws {
        let tree = SubscriptionTree<String>()
        let filter = try parsed("$share/g/jobs/#")
        #expect(filter.shareGroup == "g")
        for member in ["a", "b", "c"] {
            tree.subscribe(member, filter, options: .init(topicFilter: "$share/g/jobs/#", qos: .atLeastOnce), identifier: nil)
        }
        tree.subscribe("plain", try parsed("jobs/#"), options: .init(topicFilter: "jobs/#", qos: .atMostOnce), identifier: nil)
        var picked: [String] = []
        for _ in 0..<6 {
            var shared: [String] = []
            tree.match("jobs/1") { if $0.subscriber != "plain" { shared.append($0.subscriber) } }
            #expect(shared.count == 1)
            picked += shared
        }
        #expect(picked == ["a", "b", "c", "a", "b", "c"])
        #expect(tree.unsubscribe("b", filter))
        #expect(!tree.unsubscribe("b", filter))
        var after: Set<String> = []
        for _ in 0..<4 { tree.match("jobs/1") { after.insert($0.subscriber) } }
        #expect(after == ["a", "c", "plain"])
    }

    @Test func resubscribingReplacesAndEmptyBranchesArePruned() throws {
        let tree = SubscriptionTree<String>()
        let filter = try parsed("a/b/c")
        #expect(tree.subscribe("x", filter, options: .init(topicFilter: "a/b/c", qos: .atMostOnce), identifier: nil))
        #expect(!tree.subscribe("x", filter, options: .init(topicFilter: "a/b/c", qos: .exactlyOnce), identifier: 7))
        var entries: [SubscriptionTree<String>.Entry] = []
        tree.match("a/b/c") { entries.append($0) }
        #expect(entries.map(\.options.qos) == [.exactlyOnce])
        #expect(entries.map(\.subscriptionIdentifier) == [7])
        #expect(tree.unsubscribe("x", filter))
        #expect(tree.count == 0)
        #expect(matches(tree, "a/b/c").isEmpty)
    }

    @Test(arguments: ["$share/g", "$share//a", "$share/g+/a", "a/#/b"])
    func invalidFilters(_ text: String) {
        #expect(throws: TopicFilter.Invalid.self) { try SubscriptionTree<String>.ParsedFilter(text) }
    }
}
