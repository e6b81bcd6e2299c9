import ConfigModel
import MQTTCore
import NIOCore
import Testing

@testable import BrokerCore

/// acl.conf rules as the broker applies them: EMQX's matching, where emqxctl does better than
/// its quirks, the replies to a denial, superusers, and the per-session cache.
@Suite struct AuthorizationTests {
    static func rules(_ text: String) -> ACLRuleSet {
        let sink = DiagnosticSink()
        let rules = ACLFile.parse(text, path: "acl.conf", keyPath: "authorization", sink: sink)
        precondition(sink.diagnostics.isEmpty, "\(sink.diagnostics)")
        return rules
    }

    static func decide(
        _ rules: ACLRuleSet, _ action: AuthorizationRequest.Action, _ topic: String, client: AuthorizationClient = .init(clientID: "c1")
    ) -> Bool? {
        rules.decide(AuthorizationRequest(client: client, action: action, topic: topic))?.allowed
    }

    static let publish = AuthorizationRequest.Action.publish(.atMostOnce, retain: false)
    static let subscribe = AuthorizationRequest.Action.subscribe(.atMostOnce)

    @Test func publishTopicsMatchAsMQTTDoes() {
        let rules = Self.rules(##"{allow, all, publish, ["a/+/c", "d/#", "#"]}."##)
        for topic in ["a/b/c", "d", "d/e/f", "x/y"] { #expect(Self.decide(rules, Self.publish, topic) == true, "\(topic)") }
        // A leading wildcard never covers a $ topic; `all` does.
        #expect(Self.decide(rules, Self.publish, "$SYS/x") == nil)
        #expect(Self.decide(Self.rules("{allow, all}."), Self.publish, "$SYS/x") == true)
    }

    /// Beyond EMQX (Q6b): a subscription is allowed only when the rule covers every topic it
    /// can match.
    @Test func subscribeFiltersMustBeCoveredWhole() {
        let rules = Self.rules(##"{allow, all, subscribe, ["a/+", "b/#", "c/d"]}."##)
        #expect(Self.decide(rules, Self.subscribe, "a/x") == true)
        #expect(Self.decide(rules, Self.subscribe, "a/+") == true)
        #expect(Self.decide(rules, Self.subscribe, "a/#") == nil, "EMQX allows this (Q6b)")
        #expect(Self.decide(rules, Self.subscribe, "b/+/x") == true)
        #expect(Self.decide(rules, Self.subscribe, "b") == true)
        #expect(Self.decide(rules, Self.subscribe, "c/+") == nil)
        #expect(Self.decide(rules, Self.subscribe, "c/d") == true)
        let eq = Self.rules(##"{deny, all, subscribe, [{eq, "#"}, "eq a/+"]}."##)
        #expect(Self.decide(eq, Self.subscribe, "#") == false)
        #expect(Self.decide(eq, Self.subscribe, "a/+") == false)
        #expect(Self.decide(eq, Self.subscribe, "a/b") == nil, "eq compares as written")
    }

    /// Beyond EMQX (Q7, Q9): a value with `/`, `+` or `#`, or a missing one, makes the topic
    /// not match instead of widening it.
    @Test func placeholdersCannotWidenARule() {
        let rules = Self.rules(##"{allow, all, all, ["${username}/#", "cn/${cert_common_name}", "id/${clientid}"]}."##)
        func client(_ username: String?, cn: String? = nil) -> AuthorizationClient {
            AuthorizationClient(clientID: "dev-1", username: username, commonName: cn)
        }
        #expect(Self.decide(rules, Self.publish, "alice/x", client: client("alice")) == true)
        #expect(Self.decide(rules, Self.publish, "bob/x", client: client("alice")) == nil)
        #expect(Self.decide(rules, Self.publish, "anything", client: client("#")) == nil)
        #expect(Self.decide(rules, Self.publish, "a/b/x", client: client("a/b")) == nil)
        #expect(Self.decide(rules, Self.publish, "undefined/x", client: client(nil)) == nil)
        #expect(Self.decide(rules, Self.publish, "cn/device1", client: client(nil, cn: "device1")) == true)
        #expect(Self.decide(rules, Self.publish, "cn/device1", client: client(nil)) == nil)
        #expect(Self.decide(rules, Self.publish, "id/dev-1", client: client(nil)) == true)
        #expect(Self.decide(Self.rules(##"{allow, all, publish, ["${$}SYS/x"]}."##), Self.publish, "$SYS/x") == true)
    }

    @Test func whoActionAndOrder() {
        let rules = Self.rules(
            """
            {deny, {'and', [{username, {re, "^dev-"}}, {ipaddr, "10.0.0.0/8"}]}, all, all}.
            {allow, {'or', [{clientid, "admin"}, {ipaddrs, ["127.0.0.1"]}]}, all, ["#"]}.
            {allow, all, {publish, [{qos, 1}, {retain, true}]}, ["r/#"]}.
            {deny, all}.
            """)
        let devOnTen = AuthorizationClient(clientID: "x", username: "dev-7", peerAddress: [10, 1, 2, 3])
        let local = AuthorizationClient(clientID: "x", peerAddress: [127, 0, 0, 1])
        #expect(Self.decide(rules, Self.publish, "a", client: devOnTen) == false)
        #expect(Self.decide(rules, Self.publish, "a", client: local) == true)
        #expect(Self.decide(rules, Self.publish, "a", client: .init(clientID: "admin")) == true)
        #expect(Self.decide(rules, .publish(.atLeastOnce, retain: true), "r/1") == true)
        #expect(Self.decide(rules, .publish(.atLeastOnce, retain: false), "r/1") == false, "retain must be true")
        #expect(Self.decide(rules, .publish(.exactlyOnce, retain: true), "r/1") == false, "qos 2 is not covered")
        #expect(Self.decide(rules, Self.subscribe, "r/1") == false)
    }

    // MARK: In the broker

    /// Counts how often the rules are walked, to show the cache at work.
    final class Counting: Authorizer, @unchecked Sendable {
        let inner: RuleAuthorizer
        var calls = 0
        init(_ rules: ACLRuleSet, noMatch: AuthorizationConfig.NoMatch = .deny) {
            inner = RuleAuthorizer(sources: [rules], noMatch: noMatch)
        }
        func authorize(_ request: AuthorizationRequest) -> AuthorizationDecision {
            calls += 1
            return inner.authorize(request)
        }
    }

    static let ownTopics = rules(##"{allow, all, all, ["${clientid}/#"]}."##)

    @Test func repliesToADenial() {
        var harness = BrokerHarness(authorization: AuthorizationPolicy(authorizer: Counting(Self.ownTopics)))
        let v5 = harness.connect("a")
        let listener = harness.connect("b")
        harness.subscribe(listener, "b/#", qos: .atLeastOnce)
        harness.subscribe(v5, "$share/g/b/#", qos: .atLeastOnce)
        #expect(harness[v5].subacks.last?.reasonCodes == [.notAuthorized], "$share/g/ is stripped before matching")
        harness.publish(v5, "b/x", "no", qos: .exactlyOnce, id: 3)
        #expect(harness[v5].sent.last == .pubrec(PubAckPacket(packetIdentifier: 3, reasonCode: .notAuthorized)))
        harness.publish(v5, "b/x", "no", qos: .atMostOnce)
        #expect(harness[listener].publishes.isEmpty, "nothing denied is delivered")
        let v3 = harness.connect("c", version: .v3_1_1)
        harness.publish(v3, "b/x", "no", qos: .atLeastOnce, id: 4)
        #expect(harness[v3].sent.last == .puback(PubAckPacket(packetIdentifier: 4)), "3.1.1: acknowledged and dropped")
        #expect(harness[listener].publishes.isEmpty)
    }

    @Test func denyActionDisconnectRefusesTheWholeSubscribe() {
        var harness = BrokerHarness(authorization: AuthorizationPolicy(authorizer: Counting(Self.ownTopics), denyAction: .disconnect))
        let client = harness.connect("a")
        harness.send(
            .subscribe(
                SubscribePacket(
                    packetIdentifier: 1,
                    subscriptions: [.init(topicFilter: "a/1", qos: .atMostOnce), .init(topicFilter: "z/1", qos: .atMostOnce)])),
            from: client)
        #expect(harness[client].subacks.isEmpty)
        #expect(harness[client].closedWith == .notAuthorized)
        #expect(harness.broker.sessions["a"]?.filters.isEmpty ?? true, "none of the packet's filters was subscribed")
        let publisher = harness.connect("p")
        harness.publish(publisher, "q/1", "x", qos: .atMostOnce)
        #expect(harness[publisher].closedWith == .notAuthorized)
    }

    @Test func superusersBypassAndWillsAreChecked() {
        var harness = BrokerHarness(authorization: AuthorizationPolicy(authorizer: Counting(Self.ownTopics)))
        let listener = harness.connect("root", client: AuthorizationClient(clientID: "root", isSuperuser: true))
        harness.subscribe(listener, "#", qos: .atMostOnce)
        #expect(harness[listener].subacks.last?.reasonCodes == [.grantedQoS0])
        let will = ConnectPacket.Will(topic: "elsewhere/will", payload: Array("bye".utf8), qos: .atMostOnce, retain: false)
        let dying = harness.connect("d", will: will)
        harness.drop(dying)
        #expect(harness[listener].publishes.isEmpty, "a will to a topic its client may not publish to is dropped")
    }

    /// The cache answers repeats; a new policy (a reload) and the ttl invalidate it.
    @Test func theCacheSparesTheRuleWalk() {
        let counting = Counting(Self.ownTopics)
        var cache = AuthorizationConfig.Cache()
        cache.ttl = .seconds(60)
        var harness = BrokerHarness(authorization: AuthorizationPolicy(authorizer: counting, cache: cache))
        let client = harness.connect("a")
        for _ in 0..<100 { harness.publish(client, "a/t", "x", qos: .atMostOnce) }
        #expect(counting.calls == 1)
        harness.advance(by: .seconds(61))
        harness.publish(client, "a/t", "x", qos: .atMostOnce)
        #expect(counting.calls == 2, "the ttl passed")
        let replacement = Counting(Self.rules("{deny, all}."))
        harness.broker.replaceAuthorization(AuthorizationPolicy(authorizer: replacement, cache: cache))
        harness.publish(client, "a/t", "x", qos: .exactlyOnce, id: 9)
        #expect(
            replacement.calls == 1 && harness[client].sent.last == .pubrec(PubAckPacket(packetIdentifier: 9, reasonCode: .notAuthorized)))
        var off = AuthorizationConfig.Cache()
        off.enable = false
        let uncached = Counting(Self.ownTopics)
        var other = BrokerHarness(authorization: AuthorizationPolicy(authorizer: uncached, cache: off))
        let second = other.connect("a")
        for _ in 0..<10 { other.publish(second, "a/t", "x", qos: .atMostOnce) }
        #expect(uncached.calls == 10)
    }
}
