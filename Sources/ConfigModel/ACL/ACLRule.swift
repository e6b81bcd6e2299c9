import Foundation

/// One compiled `acl.conf` rule (EMQX's `emqx_authz_rule`): who it is for, which action, which
/// topics, and whether it allows or denies. Rules are checked in file order; the first that
/// matches decides.
public struct ACLRule: Sendable {
    public enum Permission: String, Sendable { case allow, deny }

    /// Which clients a rule is for.
    public indirect enum Who: Sendable {
        case all
        /// Never matches a client without a user name.
        case username(StringMatch)
        case clientID(StringMatch)
        /// The peer address is in one of these networks.
        case address([AccessRule.Network])
        case and([Who])
        case or([Who])
    }

    /// An exact string, or a regular expression (unanchored, as EMQX's PCRE patterns).
    public enum StringMatch: Sendable {
        case exact(String)
        case pattern(ACLPattern)
    }

    /// `publish`, `subscribe` or `all`, with EMQX's qos and retain conditions.
    public struct Action: Sendable, Equatable {
        public var publish: Bool
        public var subscribe: Bool
        /// Bit n set: QoS n is covered.
        public var qos: UInt8 = 0b111
        /// nil: either; else a publish's retain flag must be this.
        public var retain: Bool?

        public init(publish: Bool, subscribe: Bool, qos: UInt8 = 0b111, retain: Bool? = nil) {
            self.publish = publish
            self.subscribe = subscribe
            self.qos = qos
            self.retain = retain
        }
    }

    /// A topic entry: a filter with placeholders, or `{eq, T}` compared as written.
    public enum Topic: Sendable {
        case filter(AuthTemplate)
        case exact(String)
    }

    public let permission: Permission
    public let who: Who
    public let action: Action
    /// nil: `all`, every topic, `$` topics included.
    public let topics: [Topic]?
    /// Where the rule starts, and its text as written (for `acl check` and logs).
    public let location: SourceLocation
    public let source: String

    public init(permission: Permission, who: Who, action: Action, topics: [Topic]?, location: SourceLocation, source: String) {
        self.permission = permission
        self.who = who
        self.action = action
        self.topics = topics
        self.location = location
        self.source = source
    }

    /// The placeholders a topic may use (EMQX's allowed set, without client attributes, which
    /// serve does not have).
    public static let topicVariables: Set<String> = ["username", "clientid", "cert_common_name", "zone"]
}

extension ACLRule.Topic {
    public struct Problem: Error, Sendable {
        public let message: String
        public let hint: String
    }

    /// A topic entry as written in acl.conf or given to `emqxctl acl add`: `eq T` compares as
    /// written, anything else is a filter whose placeholders must be ones a topic may use.
    public static func parse(_ text: String) -> Result<ACLRule.Topic, Problem> {
        if text.hasPrefix("eq ") {
            let exact = String(text.dropFirst(3))
            return exact.isEmpty ? .failure(Problem(message: "an eq topic cannot be empty", hint: "")) : .success(.exact(exact))
        }
        guard !text.isEmpty else { return .failure(Problem(message: "a topic filter cannot be empty", hint: "")) }
        let (template, _) = AuthTemplate.parse(text)
        let names = template.pieces.compactMap { piece -> String? in
            if case .variable(let name) = piece { name } else { nil }
        }
        let unknown = names.filter { !ACLRule.topicVariables.contains($0) }
        if !unknown.isEmpty {
            return .failure(
                Problem(
                    message:
                        "unknown placeholder\(unknown.count == 1 ? "" : "s") \(unknown.map { "${\($0)}" }.joined(separator: ", ")) in a topic; EMQX would match \(unknown.count == 1 ? "it" : "them") as literal text",
                    hint: "topics may use ${username}, ${clientid}, ${cert_common_name}, ${zone}, and ${$} for a $"))
        }
        if let problem = filterProblem(template.render { _ in "x" }) {
            return .failure(Problem(message: "\"\(text)\" is not a valid topic filter: \(problem)", hint: ""))
        }
        return .success(.filter(template))
    }

    /// MQTT's rules for a filter (§4.7.1): `#` last and alone in its level, `+` alone in its.
    static func filterProblem(_ filter: String) -> String? {
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#") && (level != "#" || index != levels.count - 1) { return "# must be the last level, alone" }
            if level.contains("+") && level != "+" { return "+ must be alone in its level" }
        }
        if filter.utf8.contains(0) { return "it contains a NUL character" }
        return nil
    }
}

/// A compiled regular expression of a rule; unanchored, like EMQX's.
public struct ACLPattern: @unchecked Sendable {
    public let text: String
    private let expression: NSRegularExpression

    init?(_ text: String) {
        guard let expression = try? NSRegularExpression(pattern: text) else { return nil }
        self.text = text
        self.expression = expression
    }

    public func matches(_ value: String) -> Bool {
        expression.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }
}

/// The rules of one `acl.conf`, in order.
public struct ACLRuleSet: Sendable {
    public let file: String
    public let rules: [ACLRule]

    public init(file: String, rules: [ACLRule]) {
        self.file = file
        self.rules = rules
    }
}
