import MQTTCore
import Testing

/// Cases from MQTT 5.0 §4.7 and the table at the top of mosquitto's src/subs.c.
@Suite struct TopicFilterTests {
    @Test(arguments: [
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/#", "sport", true),
        ("#", "sport/tennis", true),
        ("#", "/", true),
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("+/tennis/#", "sport/tennis/player1", true),
        ("a/b/c", "a/b/c", true),
        ("a/b/c", "a/b", false),
        ("a/b", "a/b/c", false),
        ("A/b", "a/b", false),
        ("#", "$SYS/broker/uptime", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/broker/uptime", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("a//b", "a//b", true),
        ("a/+/b", "a//b", true),
    ])
    func matching(_ filter: String, _ topic: String, _ expected: Bool) throws {
        #expect(try TopicFilter(filter).matches(topic) == expected)
    }

    @Test(arguments: ["", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "a/#b", "a/+b/c", "a\u{0}b"])
    func invalidFiltersAreRejected(_ filter: String) {
        #expect(throws: TopicFilter.Invalid.self) { try TopicFilter(filter) }
    }

    @Test func wildcardsAreReported() throws {
        #expect(try TopicFilter("a/+/c").hasWildcards)
        #expect(try !TopicFilter("a/b/c").hasWildcards)
    }
}
