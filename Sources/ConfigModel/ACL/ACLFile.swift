import Foundation

/// Reads an `acl.conf` (EMQX's grammar, §6.3 of the access-control spec) into rules, and
/// reports every problem in the file at once, each at its `acl.conf:line:col`. A file with
/// errors yields the rules that compiled; callers refuse to run it.
///
/// Stricter than EMQX where EMQX misbehaves: unknown topic placeholders are errors, not
/// literal text (Q10); `client_attr` conditions and `${client_attrs.*}` are refused, since
/// serve sets no client attributes; a topic that is a string instead of a list (the example in
/// EMQX's own file, Q16) is an error that says how to write it.
public enum ACLFile {
    /// Parses `text`, read from `path`; problems go to `sink` with `keyPath` (the source that
    /// names the file).
    public static func parse(_ text: String, path: String, keyPath: String, sink: DiagnosticSink) -> ACLRuleSet {
        var reader = ErlangTermReader(text, file: path)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var rules: [ACLRule] = []
        for form in reader.forms() {
            switch form {
            case .failure(let error):
                sink.report(.aclSyntax, .error, error.location, keyPath, error.message)
            case .success(let term):
                var compiler = RuleCompiler(keyPath: keyPath, sink: sink)
                let source = lines.indices.contains(term.location.line - 1) ? String(lines[term.location.line - 1]) : ""
                if let rule = compiler.rule(term, source: source.trimmingCharacters(in: .whitespaces)) { rules.append(rule) }
            }
        }
        return ACLRuleSet(file: path, rules: rules)
    }

    /// Reads and parses the file at `path` through `fileSystem`; a missing or unreadable file is
    /// reported.
    public static func load(_ path: Located<String>, fileSystem: any ConfigFileSystem, sink: DiagnosticSink) -> ACLRuleSet? {
        let text: String?
        do {
            text = try fileSystem.contents(of: path.value)
        } catch {
            sink.report(.fileUnreadable, .error, path.location, path.keyPath, "\(path.value) cannot be read: \(error.localizedDescription)")
            return nil
        }
        guard let text else {
            sink.report(
                .fileMissing, .error, path.location, path.keyPath,
                "\(path.value) does not exist (relative paths are read from the working directory)",
                hint: "EMQX refuses to start without it; examples/acl.conf is EMQX's own")
            return nil
        }
        return parse(text, path: path.value, keyPath: path.keyPath, sink: sink)
    }

    /// EMQX's shipped `etc/acl.conf`: localhost may do anything; everyone else anything but
    /// subscribe to `$SYS/#`, exactly `#` or exactly `+/#`.
    public static let emqxDefault = """
        %%--------------------------------------------------------------------
        %% -type(ipaddr() :: {ipaddr, string()}).
        %%
        %% -type(ipaddrs() :: {ipaddrs, [string()]}).
        %%
        %% -type(username() :: {user | username, string()} | {user | username, {re, regex()}}).
        %%
        %% -type(clientid() :: {client | clientid, string()} | {client | clientid, {re, regex()}}).
        %%
        %% -type(who() :: ipaddr() | ipaddrs() | username() | clientid() |
        %%                {'and', [ipaddr() | ipaddrs() | username() | clientid()]} |
        %%                {'or',  [ipaddr() | ipaddrs() | username() | clientid()]} |
        %%                all).
        %%
        %% -type(action() :: subscribe | publish | all).
        %%
        %% -type(topic_filters() :: string()).
        %%
        %% -type(topics() :: [topic_filters() | {eq, topic_filters()}]).
        %%
        %% -type(permission() :: allow | deny).
        %%
        %% -type(rule() :: {permission(), who(), action(), topics()} | {permission(), all}).
        %%--------------------------------------------------------------------

        {allow, {username, {re, "^dashboard$"}}, subscribe, ["$SYS/#"]}.

        {allow, {ipaddr, "127.0.0.1"}, all, ["$SYS/#", "#"]}.

        {deny, all, subscribe, ["$SYS/#", {eq, "#"}, {eq, "+/#"}]}.

        {allow, all}.
        %% NOTE! when deploy in production:
        %% - Change the last rule to `{deny, all}.`
        %% - Set config `authorization.no_match = deny`

        """
}

/// Turns one rule term into an `ACLRule`, reporting what is wrong with it.
private struct RuleCompiler {
    let keyPath: String
    let sink: DiagnosticSink
    private var failed = false

    init(keyPath: String, sink: DiagnosticSink) {
        self.keyPath = keyPath
        self.sink = sink
    }

    private mutating func fail(_ at: LocatedTerm, _ message: String, hint: String = "") {
        failed = true
        sink.report(.aclInvalid, .error, at.location, keyPath, message, hint: hint)
    }

    mutating func rule(_ term: LocatedTerm, source: String) -> ACLRule? {
        guard case .tuple(let elements) = term.term, elements.count == 2 || elements.count == 4 else {
            fail(term, "a rule is {Permission, Who, Action, Topics} or {Permission, all}, not \(term.term.kindName)")
            return nil
        }
        let permission = self.permission(elements[0])
        if elements.count == 2 {
            guard case .atom("all", false) = elements[1].term else {
                fail(elements[1], "a two-element rule is {allow, all} or {deny, all}, not {…, \(elements[1].term.kindName)}")
                return nil
            }
            guard let permission, !failed else { return nil }
            return ACLRule(
                permission: permission, who: .all, action: ACLRule.Action(publish: true, subscribe: true), topics: nil,
                location: term.location, source: source)
        }
        let who = self.who(elements[1], depth: 0)
        let action = self.action(elements[2])
        let topics = self.topics(elements[3])
        guard let permission, let who, let action, let topics, !failed else { return nil }
        return ACLRule(
            permission: permission, who: who, action: action, topics: topics.isAll ? nil : topics.entries, location: term.location,
            source: source)
    }

    private mutating func permission(_ term: LocatedTerm) -> ACLRule.Permission? {
        guard case .atom(let name, _) = term.term, let permission = ACLRule.Permission(rawValue: name) else {
            fail(term, "the permission is allow or deny, not \(term.term.kindName)")
            return nil
        }
        return permission
    }

    // MARK: Who

    private mutating func who(_ term: LocatedTerm, depth: Int) -> ACLRule.Who? {
        if case .atom("all", _) = term.term { return .all }
        guard case .tuple(let parts) = term.term, let first = parts.first, case .atom(let kind, let quoted) = first.term else {
            fail(
                term,
                "who the rule is for is all, {username, …}, {clientid, …}, {ipaddr, …}, {ipaddrs, […]}, {'and', […]} or {'or', […]}; not \(term.term.kindName)"
            )
            return nil
        }
        switch (kind, parts.count) {
        case ("username", 2), ("user", 2):
            return stringMatch(parts[1]).map { .username($0) }
        case ("clientid", 2), ("client", 2):
            return stringMatch(parts[1]).map { .clientID($0) }
        case ("ipaddr", 2):
            return network(parts[1]).map { .address([$0]) }
        case ("ipaddrs", 2):
            guard case .list(let items) = parts[1].term else {
                fail(parts[1], "ipaddrs takes a list of addresses or CIDRs: {ipaddrs, [\"10.0.0.0/8\", \"::1\"]}")
                return nil
            }
            let networks = items.compactMap { network($0) }
            return networks.count == items.count ? .address(networks) : nil
        case ("and", 2), ("or", 2):
            if !quoted {
                fail(first, "and and or are Erlang operators: write '\(kind)' in single quotes, as EMQX requires")
            }
            guard case .list(let items) = parts[1].term else {
                fail(parts[1], "'\(kind)' takes a list of conditions: {'\(kind)', [{username, \"a\"}, {ipaddr, \"10.0.0.0/8\"}]}")
                return nil
            }
            guard depth < 8 else {
                fail(term, "conditions nested more than 8 deep")
                return nil
            }
            let conditions = items.compactMap { who($0, depth: depth + 1) }
            guard conditions.count == items.count else { return nil }
            return kind == "and" ? .and(conditions) : .or(conditions)
        case ("re", _):
            fail(term, "a bare {re, …} is not a condition: write {username, {re, …}} or {clientid, {re, …}}")
            return nil
        case ("client_attr", _):
            fail(first, "client_attr conditions are not supported by emqxctl serve, which sets no client attributes")
            return nil
        default:
            fail(term, "unknown condition {\(kind), …}", hint: "use username, clientid, ipaddr, ipaddrs, 'and' or 'or'")
            return nil
        }
    }

    private mutating func stringMatch(_ term: LocatedTerm) -> ACLRule.StringMatch? {
        switch term.term {
        case .string(let text):
            return .exact(text)
        case .tuple(let parts) where parts.count == 2 && parts[0].term == .atom("re", quoted: false):
            guard case .string(let text) = parts[1].term else {
                fail(parts[1], "a regular expression is a string: {re, \"^sensor-[0-9]+$\"}")
                return nil
            }
            guard let pattern = ACLPattern(text) else {
                fail(parts[1], "\"\(text)\" is not a valid regular expression")
                return nil
            }
            return .pattern(pattern)
        default:
            fail(term, "expected a string or {re, \"pattern\"}, not \(term.term.kindName)")
            return nil
        }
    }

    private mutating func network(_ term: LocatedTerm) -> AccessRule.Network? {
        guard case .string(let text) = term.term, let rule = AccessRule(parsing: "allow \(text)"), let network = rule.network else {
            fail(term, "expected an IP address or CIDR in a string (\"192.168.1.0/24\"), not \(term.term.kindName)")
            return nil
        }
        return network
    }

    // MARK: Action

    private mutating func action(_ term: LocatedTerm) -> ACLRule.Action? {
        switch term.term {
        case .atom(let name, _):
            return bareAction(name, term)
        case .tuple(let parts) where parts.count == 2:
            guard case .atom(let name, _) = parts[0].term, var action = bareAction(name, parts[0]) else { return nil }
            guard case .list(let options) = parts[1].term else {
                fail(parts[1], "action options are a list: {publish, [{qos, 1}, {retain, false}]}")
                return nil
            }
            var qos: UInt8 = 0
            for option in options {
                guard case .tuple(let pair) = option.term, pair.count == 2, case .atom(let key, _) = pair[0].term else {
                    fail(option, "an action option is {qos, …} or {retain, …}, not \(option.term.kindName)")
                    continue
                }
                switch key {
                case "qos":
                    qos |= qosBits(pair[1]) ?? 0
                case "retain" where action.publish:
                    switch pair[1].term {
                    case .atom("true", _): action.retain = true
                    case .atom("false", _): action.retain = false
                    case .atom("all", _): action.retain = nil
                    default: fail(pair[1], "retain is true, false or all, not \(pair[1].term.kindName)")
                    }
                case "retain":
                    fail(pair[0], "retain applies to publish (or all), not subscribe")
                default:
                    fail(pair[0], "unknown action option \(key); use qos or retain")
                }
            }
            if qos != 0 { action.qos = qos }
            return action
        default:
            fail(term, "the action is publish, subscribe or all, or {publish|subscribe|all, [options]}; not \(term.term.kindName)")
            return nil
        }
    }

    private mutating func bareAction(_ name: String, _ term: LocatedTerm) -> ACLRule.Action? {
        switch name {
        case "publish": return ACLRule.Action(publish: true, subscribe: false)
        case "subscribe": return ACLRule.Action(publish: false, subscribe: true)
        case "all": return ACLRule.Action(publish: true, subscribe: true)
        default:
            fail(term, "the action is publish, subscribe or all, not \(name)")
            return nil
        }
    }

    private mutating func qosBits(_ term: LocatedTerm) -> UInt8? {
        switch term.term {
        case .integer(let value) where (0...2).contains(value):
            return 1 << value
        case .list(let items):
            var bits: UInt8 = 0
            for item in items {
                guard case .integer(let value) = item.term, (0...2).contains(value) else {
                    fail(item, "a QoS is 0, 1 or 2, not \(item.term.kindName)")
                    return nil
                }
                bits |= 1 << value
            }
            return bits
        default:
            fail(term, "qos is 0, 1, 2 or a list of them, not \(term.term.kindName)")
            return nil
        }
    }

    // MARK: Topics

    private mutating func topics(_ term: LocatedTerm) -> (isAll: Bool, entries: [ACLRule.Topic])? {
        switch term.term {
        case .atom("all", _):
            return (true, [])
        case .list(let items):
            let entries = items.compactMap { topic($0) }
            return entries.count == items.count ? (false, entries) : nil
        case .string(let text):
            fail(term, "topics are a list, even for one: [\"\(text)\"] (EMQX's own commented example gets this wrong)")
            return nil
        default:
            fail(term, "topics are all or a list of topic filters, not \(term.term.kindName)")
            return nil
        }
    }

    private mutating func topic(_ term: LocatedTerm) -> ACLRule.Topic? {
        switch term.term {
        case .string(let text) where text.hasPrefix("eq "):
            return exact(String(text.dropFirst(3)), term)
        case .tuple(let parts) where parts.count == 2 && parts[0].term == .atom("eq", quoted: false):
            guard case .string(let text) = parts[1].term else {
                fail(parts[1], "{eq, …} takes a string")
                return nil
            }
            return exact(text, parts[1])
        case .string(let text):
            switch ACLRule.Topic.parse(text) {
            case .success(let topic): return topic
            case .failure(let problem):
                fail(term, problem.message, hint: problem.hint)
                return nil
            }
        default:
            fail(term, "a topic is a string, \"eq T\" or {eq, T}, not \(term.term.kindName)")
            return nil
        }
    }

    private mutating func exact(_ text: String, _ term: LocatedTerm) -> ACLRule.Topic? {
        guard !text.isEmpty else {
            fail(term, "an eq topic cannot be empty")
            return nil
        }
        return .exact(text)
    }

}
