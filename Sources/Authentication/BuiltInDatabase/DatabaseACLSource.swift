package import BrokerCore
package import ConfigModel
package import Logging
package import Stores

/// `authorization.sources` `type = built_in_database` (EMQX's emqx_authz_mnesia): the rules
/// `emqxctl acl add` keeps in the user store, live. A client's client-id rules are asked
/// first, then its user-name rules, then the rules for all; the first that matches decides.
package struct DatabaseACLSource: AuthorizationSource {
    /// The rules, compiled, by whom they are for.
    package struct Rules: Sendable {
        var byClientID: [String: [ACLRule]] = [:]
        var byUsername: [String: [ACLRule]] = [:]
        var all: [ACLRule] = []
        var count = 0
    }

    static let source = "built_in_database"
    private let rules: LiveSnapshot<Rules>

    package init(store: UserStore, logger: Logger) throws {
        rules = try LiveSnapshot(
            label: "acl", logger: logger, version: { try store.dataVersion() },
            load: { Self.compile(try store.aclRules(), logger: logger) }, describe: { "authorization rules: \($0.count)" })
    }

    package func decide(_ request: AuthorizationRequest) -> AuthorizationDecision? {
        let rules = self.rules.current
        for list in [rules.byClientID[request.client.clientID], request.client.username.flatMap { rules.byUsername[$0] }, rules.all] {
            for rule in list ?? [] where rule.matches(request) {
                return AuthorizationDecision(allowed: rule.permission == .allow, reason: .rule(rule, source: Self.source))
            }
        }
        return nil
    }

    package func startRefreshing() { rules.startRefreshing() }
    package func stop() { rules.stop() }

    /// Stored rules as acl.conf rules; one that does not compile (written by hand) is skipped
    /// with a warning.
    static func compile(_ stored: [StoredACLRule], logger: Logger) -> Rules {
        var compiled = Rules()
        for row in stored {
            guard let rule = ACLRule(row) else {
                logger.warning("skipping the stored authorization rule \(row.subject) #\(row.position): it is not a valid rule")
                continue
            }
            compiled.count += 1
            switch row.subject {
            case .clientID(let id): compiled.byClientID[id, default: []].append(rule)
            case .username(let name): compiled.byUsername[name, default: []].append(rule)
            case .all: compiled.all.append(rule)
            }
        }
        return compiled
    }
}

extension ACLRule {
    /// A stored rule as the engine runs it; nil when a field is not valid.
    package init?(_ row: StoredACLRule) {
        guard let permission = Permission(rawValue: row.permission), case .success(let topic) = Topic.parse(row.topic),
            (1...7).contains(row.qos)
        else { return nil }
        let retain: Bool?
        switch row.retain {
        case "true": retain = true
        case "false": retain = false
        case "all": retain = nil
        default: return nil
        }
        let action: Action
        switch row.action {
        case "publish": action = Action(publish: true, subscribe: false, qos: UInt8(row.qos), retain: retain)
        case "subscribe": action = Action(publish: false, subscribe: true, qos: UInt8(row.qos))
        case "all": action = Action(publish: true, subscribe: true, qos: UInt8(row.qos), retain: retain)
        default: return nil
        }
        let who: Who =
            switch row.subject {
            case .clientID(let id): .clientID(.exact(id))
            case .username(let name): .username(.exact(name))
            case .all: .all
            }
        let subject =
            switch row.subject {
            case .clientID(let id): "clientid \(id)"
            case .username(let name): "username \(name)"
            case .all: "all"
            }
        self.init(
            permission: permission, who: who, action: action, topics: [topic],
            location: SourceLocation(file: DatabaseACLSource.source, line: row.position, column: 1),
            source: "\(subject): \(row.permission) \(row.action) \(row.topic)")
    }
}
