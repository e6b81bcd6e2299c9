package import ConfigModel
import MQTTCore

/// An acl.conf's rules as a source: top-down, the first rule that matches decides.
extension ACLRuleSet: AuthorizationSource {
    package func decide(_ request: AuthorizationRequest) -> AuthorizationDecision? {
        // By index: the rules are read in place, not copied (and retained) one by one.
        for index in rules.indices where rules[index].matches(request) {
            return AuthorizationDecision(allowed: rules[index].permission == .allow, reason: .rule(rules[index], source: file))
        }
        return nil
    }
}

extension ACLRule {
    /// Whether the rule is about this client, this action and this topic.
    package func matches(_ request: AuthorizationRequest) -> Bool {
        action.covers(request.action) && who.matches(request.client) && matchesTopic(request)
    }

    private func matchesTopic(_ request: AuthorizationRequest) -> Bool {
        guard let topics else { return true }  // `all`: every topic, `$` ones included
        let isSubscribe = if case .subscribe = request.action { true } else { false }
        for index in topics.indices {
            switch topics[index] {
            case .exact(let text):
                if text == request.topic { return true }
            case .filter(let template):
                guard let filter = template.rendered(for: request.client) else { continue }
                let matched =
                    isSubscribe
                    ? TopicMatch.filter(request.topic, isCoveredBy: filter) : TopicMatch.topic(request.topic, matches: filter)
                if matched { return true }
            }
        }
        return false
    }
}

extension ACLRule.Action {
    func covers(_ action: AuthorizationRequest.Action) -> Bool {
        switch action {
        case .publish(let qos, let retainFlag):
            publish && self.qos & (1 << qos.rawValue) != 0 && (retain == nil || retain == retainFlag)
        case .subscribe(let qos):
            subscribe && self.qos & (1 << qos.rawValue) != 0
        }
    }
}

extension ACLRule.Who {
    func matches(_ client: AuthorizationClient) -> Bool {
        switch self {
        case .all: true
        case .username(let match): client.username.map(match.matches) ?? false
        case .clientID(let match): match.matches(client.clientID)
        case .address(let networks): !client.peerAddress.isEmpty && networks.contains { $0.contains(client.peerAddress) }
        case .and(let conditions): conditions.allSatisfy { $0.matches(client) }
        case .or(let conditions): conditions.contains { $0.matches(client) }
        }
    }
}

extension ACLRule.StringMatch {
    func matches(_ value: String) -> Bool {
        switch self {
        case .exact(let text): text == value
        case .pattern(let pattern): pattern.matches(value)
        }
    }
}

extension AuthTemplate {
    /// The topic filter for `client`, or nil when the rule cannot apply to it: a placeholder
    /// with no value (no user name, no certificate), or a value that is empty or holds `/`,
    /// `+` or `#`. Beyond EMQX (Q7, Q9): a user name `#` does not turn `${username}/#` into
    /// `#/#`, and a client without a user name is not the user `undefined`.
    func rendered(for client: AuthorizationClient) -> String? {
        if pieces.count == 1, case .text(let text) = pieces[0] { return text }
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text):
                out += text
            case .variable(let name):
                let value: String? =
                    switch name {
                    case "username": client.username
                    case "clientid": client.clientID
                    case "cert_common_name": client.commonName
                    case "zone": "default"
                    default: nil
                    }
                guard let value, !value.isEmpty, !value.utf8.contains(where: { $0 == 0x2F || $0 == 0x2B || $0 == 0x23 }) else { return nil }
                out += value
            }
        }
        return out
    }
}
