import Testing

@testable import ConfigModel

/// EMQX's acl.conf grammar: every form, and every mistake reported where it is.
@Suite struct ACLFileTests {
    func parse(_ text: String) -> (ACLRuleSet, [Diagnostic]) {
        let sink = DiagnosticSink()
        let rules = ACLFile.parse(text, path: "acl.conf", keyPath: "authorization.sources.1.path", sink: sink)
        return (rules, sink.diagnostics)
    }

    @Test func emqxsDefaultFileParses() {
        let (rules, diagnostics) = parse(ACLFile.emqxDefault)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(rules.rules.map(\.permission) == [.allow, .allow, .deny, .allow])
        #expect(rules.rules.map(\.location.line) == [26, 28, 30, 32])
        #expect(rules.rules[3].topics == nil, "{allow, all} covers every topic")
    }

    @Test func everyGrammarForm() throws {
        let (rules, diagnostics) = parse(
            """
            % comments, then every Who
            {allow, {username, "alice"}, publish, ["a/${username}/#"]}.
            {allow, {user, {re, "^dev-[0-9]+$"}}, subscribe, ["dev/+/status"]}.
            {deny, {clientid, "c1"}, all, [{eq, "#"}, "eq +/#"]}.
            {allow, {client, {re, "^c"}}, {publish, [{qos, [0, 1]}, {retain, false}]}, ["q/#"]}.
            {allow, {ipaddr, "10.0.0.5/8"}, {subscribe, [{qos, 2}]}, ["x"]}.
            {allow, {ipaddrs, ["::1", "192.168.0.0/16"]}, all, all}.
            {allow, {'and', [{username, "u"}, {'or', [{clientid, "a"}, {ipaddr, "127.0.0.1"}]}]}, publish, ["${clientid}/${cert_common_name}/${zone}/${$}x"]}.
            {deny, all}.
            """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(rules.rules.count == 8)
        let qos = try #require(rules.rules.dropFirst(3).first?.action)
        #expect(qos.publish && !qos.subscribe && qos.qos == 0b011 && qos.retain == false)
        #expect(rules.rules[2].topics?.count == 2)
        guard case .address(let networks) = rules.rules[4].who else {
            Issue.record("not an address rule")
            return
        }
        #expect(networks.first?.address == [10, 0, 0, 0] && networks.first?.prefixLength == 8, "host bits are masked off")
    }

    /// Every mistake in one file, each at its line and column, and the good rules kept.
    @Test func mistakesAreLocatedAndTheRestStillParse() {
        let (rules, diagnostics) = parse(
            """
            {allow, all, publish, "${clientid}/#"}.
            {permit, all, publish, ["a"]}.
            {allow, {username, "a"}, publish, ["${peerhost}/#"]}.
            {allow, {and, [{username, "a"}]}, publish, ["a"]}.
            {allow, {re, "x"}, publish, ["a"]}.
            {allow, all, {publish, [{qos, 3}]}, ["a"]}.
            {allow, all, {subscribe, [{retain, true}]}, ["a"]}.
            {allow, {username, {re, "("}}, publish, ["a"]}.
            {allow, all, publish, ["a/#/b"]}.
            {allow, {client_attr, "group", "g1"}, publish, ["a"]}.
            {allow, all, publish, ["ok"]}
            {allow, all, publish, ["still-ok"]}.
            {deny, all}.
            {allow, all, publish, ["unterminated]}.
            """)
        let lines = diagnostics.compactMap { $0.location.map { "\($0.line):\($0.column)" } }
        #expect(
            lines == ["1:23", "2:2", "3:36", "4:10", "5:9", "6:31", "7:28", "8:25", "9:24", "10:10", "12:1", "14:24"],
            "\(diagnostics.map { "\($0.location!): \($0.message)" }.joined(separator: "\n"))")
        #expect(diagnostics.allSatisfy { $0.severity == .error && ($0.code == .aclInvalid || $0.code == .aclSyntax) })
        #expect(diagnostics[0].message.contains("topics are a list"))
        #expect(diagnostics[2].message.contains("${peerhost}"))
        #expect(diagnostics[3].message.contains("'and'"))
        // The rule missing its dot swallowed the next one; {deny, all} still parses, and the
        // unclosed string runs to the end of the file.
        #expect(rules.rules.count == 1 && rules.rules[0].permission == .deny)
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let (_, diagnostics) = parse(String(repeating: "[", count: 5000) + "." + "\n{deny, all}.")
        #expect(diagnostics.count == 1 && diagnostics[0].message.contains("nested"))
    }
}
