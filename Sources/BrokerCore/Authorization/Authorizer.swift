package import ConfigModel
package import MQTTCore

/// Who asks to use a topic, as authorization sees them: what CONNECT and authentication
/// established (EMQX's ClientInfo, as far as rules read it).
package struct AuthorizationClient: Sendable {
    package var clientID: String
    package var username: String?
    /// 4 or 16 bytes; empty when unknown (a `{ipaddr, …}` rule then never matches).
    package var peerAddress: [UInt8]
    /// The verified client certificate's CN, for `${cert_common_name}`.
    package var commonName: String?
    /// Every check allows a superuser.
    package var isSuperuser: Bool

    package init(clientID: String, username: String? = nil, peerAddress: [UInt8] = [], commonName: String? = nil, isSuperuser: Bool = false)
    {
        self.clientID = clientID
        self.username = username
        self.peerAddress = peerAddress
        self.commonName = commonName
        self.isSuperuser = isSuperuser
    }
}

extension AuthorizationRequest.Action {
    /// EMQX's form in logs: `PUBLISH(Q1,R0)`, `SUBSCRIBE(Q0)`.
    package var logDescription: String {
        switch self {
        case .publish(let qos, let retain): "PUBLISH(Q\(qos.rawValue),R\(retain ? 1 : 0))"
        case .subscribe(let qos): "SUBSCRIBE(Q\(qos.rawValue))"
        }
    }
}

/// What a client asks to do with a topic.
package struct AuthorizationRequest: Sendable {
    package enum Action: Sendable, Hashable {
        case publish(QoS, retain: Bool)
        case subscribe(QoS)
    }

    package let client: AuthorizationClient
    package let action: Action
    /// The topic name of a PUBLISH, or the filter of a SUBSCRIBE (without `$share/group/`).
    package let topic: String

    package init(client: AuthorizationClient, action: Action, topic: String) {
        self.client = client
        self.action = action
        self.topic = topic
    }
}

/// An answer, and what gave it (for logs and `emqxctl acl check`).
package struct AuthorizationDecision: Sendable {
    package enum Reason: Sendable {
        case superuser
        /// A rule of a source matched; `source` names it (`etc/acl.conf`, `built_in_database`).
        case rule(ACLRule, source: String)
        /// No rule matched: `authorization.no_match` decided.
        case noMatch
    }

    package let allowed: Bool
    package let reason: Reason

    package init(allowed: Bool, reason: Reason) {
        self.allowed = allowed
        self.reason = reason
    }

    /// One line: which rule in which file and line, or why none.
    package var explanation: String {
        switch reason {
        case .superuser: "the client is a superuser"
        case .rule(let rule, let source): "\(source):\(rule.location.line): \(rule.source)"
        case .noMatch: "no rule matched, so authorization.no_match = \(allowed ? "allow" : "deny") decided"
        }
    }
}

/// Decides what a connected client may publish and subscribe to. Asked synchronously on the
/// broker's event loop for every PUBLISH and every SUBSCRIBE filter (behind the session's
/// cache), so it answers from memory: acl.conf and the built-in database load into snapshots.
package protocol Authorizer: Sendable {
    func authorize(_ request: AuthorizationRequest) -> AuthorizationDecision
}

/// One source of rules, asked in order: a decision when one of its rules matches, else nil.
package protocol AuthorizationSource: Sendable {
    func decide(_ request: AuthorizationRequest) -> AuthorizationDecision?
}

/// EMQX's authorization: the sources in order, the first rule that matches decides, then
/// `no_match`. (Superusers are let through before this is asked.)
package struct RuleAuthorizer: Authorizer {
    package let sources: [any AuthorizationSource]
    package let noMatch: AuthorizationConfig.NoMatch

    package init(sources: [any AuthorizationSource], noMatch: AuthorizationConfig.NoMatch) {
        self.sources = sources
        self.noMatch = noMatch
    }

    package func authorize(_ request: AuthorizationRequest) -> AuthorizationDecision {
        for source in sources {
            if let decision = source.decide(request) { return decision }
        }
        return AuthorizationDecision(allowed: noMatch == .allow, reason: .noMatch)
    }
}
