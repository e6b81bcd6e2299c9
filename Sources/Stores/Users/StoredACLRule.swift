/// One rule of the built_in_database authorization source, as stored (EMQX's raw rule:
/// permission, action, topic, qos, retain), for a client id, a user name, or all.
public struct StoredACLRule: Sendable, Equatable, Codable {
    public enum Subject: Sendable, Hashable, Codable, CustomStringConvertible {
        case clientID(String)
        case username(String)
        case all

        public var description: String {
            switch self {
            case .clientID(let id): "clientid \(id)"
            case .username(let name): "username \(name)"
            case .all: "all"
            }
        }

        var type: String {
            switch self {
            case .clientID: "clientid"
            case .username: "username"
            case .all: "all"
            }
        }

        var value: String {
            switch self {
            case .clientID(let id): id
            case .username(let name): name
            case .all: ""
            }
        }

        init?(type: String, value: String) {
            switch type {
            case "clientid": self = .clientID(value)
            case "username": self = .username(value)
            case "all": self = .all
            default: return nil
            }
        }
    }

    public var subject: Subject
    /// `allow` or `deny`.
    public var permission: String
    /// `publish`, `subscribe` or `all`.
    public var action: String
    public var topic: String
    /// Bit n set: QoS n.
    public var qos: Int
    /// `true`, `false` or `all`.
    public var retain: String
    /// Its place in its subject's list, from 1 (set by the store).
    public var position: Int

    public init(
        subject: Subject, permission: String, action: String, topic: String, qos: Int = 0b111, retain: String = "all", position: Int = 0
    ) {
        self.subject = subject
        self.permission = permission
        self.action = action
        self.topic = topic
        self.qos = qos
        self.retain = retain
        self.position = position
    }
}

extension UserStore {
    /// Every rule, clientid rules first, then username rules, then those for all (EMQX's
    /// order), each list in position order.
    public func aclRules() throws -> [StoredACLRule] {
        try database {
            try connection.execute("BEGIN")
            defer { try? connection.execute("COMMIT") }
            let statement = try connection.prepare(
                """
                SELECT subject_type, subject, position, permission, action, topic, qos, retain FROM acl_rules
                ORDER BY CASE subject_type WHEN 'clientid' THEN 0 WHEN 'username' THEN 1 ELSE 2 END, subject, position
                """)
            var rules: [StoredACLRule] = []
            while try statement.step() {
                guard let subject = StoredACLRule.Subject(type: statement.text(at: 0) ?? "", value: statement.text(at: 1) ?? "") else {
                    continue
                }
                rules.append(
                    StoredACLRule(
                        subject: subject, permission: statement.text(at: 3) ?? "", action: statement.text(at: 4) ?? "",
                        topic: statement.text(at: 5) ?? "", qos: Int(statement.int64(at: 6)), retain: statement.text(at: 7) ?? "all",
                        position: Int(statement.int64(at: 2))))
            }
            return rules
        }
    }

    /// Appends `rule` to its subject's list; refuses more than `maxRules` for one subject.
    @discardableResult
    public func addACLRule(_ rule: StoredACLRule, maxRules: Int) throws -> Int {
        try database {
            try connection.transaction {
                let count = try connection.prepare(
                    "SELECT count(*), coalesce(max(position), 0) FROM acl_rules WHERE subject_type = ? AND subject = ?")
                try count.bind(rule.subject.type, at: 1)
                try count.bind(rule.subject.value, at: 2)
                _ = try count.step()
                guard count.int64(at: 0) < maxRules else {
                    throw StoreError(.invalidEntry, "\(rule.subject.type) \(rule.subject.value) already has \(maxRules) rules (max_rules)")
                }
                let position = Int(count.int64(at: 1)) + 1
                let insert = try connection.prepare(
                    """
                    INSERT INTO acl_rules (subject_type, subject, position, permission, action, topic, qos, retain, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, strftime('%s','now'))
                    """)
                try insert.bind(rule.subject.type, at: 1)
                try insert.bind(rule.subject.value, at: 2)
                try insert.bind(Int64(position), at: 3)
                try insert.bind(rule.permission, at: 4)
                try insert.bind(rule.action, at: 5)
                try insert.bind(rule.topic, at: 6)
                try insert.bind(Int64(rule.qos), at: 7)
                try insert.bind(rule.retain, at: 8)
                try insert.step()
                return position
            }
        }
    }

    /// Deletes a subject's rules (only those on `topic`, when given); returns how many.
    public func deleteACLRules(_ subject: StoredACLRule.Subject, topic: String? = nil) throws -> Int {
        try database {
            let statement = try connection.prepare(
                "DELETE FROM acl_rules WHERE subject_type = ? AND subject = ?" + (topic == nil ? "" : " AND topic = ?"))
            try statement.bind(subject.type, at: 1)
            try statement.bind(subject.value, at: 2)
            if let topic { try statement.bind(topic, at: 3) }
            try statement.step()
            return connection.changes
        }
    }
}
