public import Foundation

/// The built-in database's users in SQLite (`StoreFile`: WAL, 0600), beside the PSK store:
/// `emqxctl user …` writes it, a running `serve` reads a snapshot of it and reloads that when
/// another process commits. Users are keyed by group (the chain: `mqtt:global`, or a
/// listener's `ssl:default`) and user id, as in EMQX.
///
/// Not thread-safe: open one store per thread or task.
public final class UserStore {
    /// EMQX's name for the global chain, the group of users that `authentication` (rather than
    /// a listener's) holds.
    public static let globalGroup = "mqtt:global"
    /// A user id longer than MQTT's user name can be is never matched.
    public static let maximumUserIDLength = 65535

    public let path: String
    let connection: SQLiteConnection

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// Opens the store at `path`, creating it (and its folder) when `create` is true.
    public static func open(path: String, create: Bool = true) throws -> UserStore {
        let connection = try StoreFile.open(
            path: path, create: create, schema: .users, hint: "`emqxctl user add` or `user import` creates one")
        return UserStore(path: path, connection: connection)
    }

    /// A store in memory, for tests and dry runs.
    public static func inMemory() throws -> UserStore {
        UserStore(path: ":memory:", connection: try StoreFile.inMemory(schema: .users))
    }

    // MARK: Reading

    /// The users of `group`, sorted by user id; no hash or salt.
    public func list(group: String) throws -> [UserInfo] {
        try database {
            let statement = try connection.prepare(
                "SELECT user_id, is_superuser, created_at, updated_at FROM users WHERE user_group = ? ORDER BY user_id")
            try statement.bind(group, at: 1)
            var users: [UserInfo] = []
            while try statement.step() {
                users.append(
                    UserInfo(
                        userID: statement.text(at: 0) ?? "", isSuperuser: statement.int64(at: 1) != 0,
                        createdAt: Date(timeIntervalSince1970: TimeInterval(statement.int64(at: 2))),
                        updatedAt: Date(timeIntervalSince1970: TimeInterval(statement.int64(at: 3)))))
            }
            return users
        }
    }

    /// The groups that hold users, with their counts.
    public func groups() throws -> [(group: String, users: Int)] {
        try database {
            let statement = try connection.prepare("SELECT user_group, count(*) FROM users GROUP BY user_group ORDER BY user_group")
            var groups: [(String, Int)] = []
            while try statement.step() { groups.append((statement.text(at: 0) ?? "", Int(statement.int64(at: 1)))) }
            return groups
        }
    }

    public func user(_ userID: String, group: String) throws -> StoredUser? {
        try database {
            let statement = try connection.prepare(
                "SELECT password_hash, salt, is_superuser FROM users WHERE user_group = ? AND user_id = ?")
            try statement.bind(group, at: 1)
            try statement.bind(userID, at: 2)
            guard try statement.step() else { return nil }
            return StoredUser(
                userID: userID, passwordHash: statement.text(at: 0) ?? "", salt: statement.text(at: 1) ?? "",
                isSuperuser: statement.int64(at: 2) != 0)
        }
    }

    /// Every user of `group`, read in one transaction (one consistent version).
    public func snapshot(group: String) throws -> UserSnapshot {
        try database {
            try connection.execute("BEGIN")
            defer { try? connection.execute("COMMIT") }
            let statement = try connection.prepare("SELECT user_id, password_hash, salt, is_superuser FROM users WHERE user_group = ?")
            try statement.bind(group, at: 1)
            var users: [String: StoredUser] = [:]
            while try statement.step() {
                let user = StoredUser(
                    userID: statement.text(at: 0) ?? "", passwordHash: statement.text(at: 1) ?? "", salt: statement.text(at: 2) ?? "",
                    isSuperuser: statement.int64(at: 3) != 0)
                users[user.userID] = user
            }
            return UserSnapshot(users: users)
        }
    }

    /// SQLite's `data_version`: it changes when another connection commits to the store.
    public func dataVersion() throws -> Int64 {
        try database { try connection.dataVersion }
    }

    // MARK: Writing

    public enum AddResult: Sendable {
        case added
        case replaced
    }

    /// Adds `user` to `group`, or replaces its record when `replacing` is true.
    public func add(_ user: StoredUser, group: String, replacing: Bool, now: Date = Date()) throws -> AddResult {
        if let problem = Self.userIDProblem(user.userID) { throw StoreError(.invalidEntry, problem) }
        return try database {
            try connection.transaction {
                let exists = try self.user(user.userID, group: group) != nil
                if exists && !replacing {
                    throw StoreError(.invalidEntry, "the user \"\(user.userID)\" already exists in \(group); pass --force to replace it")
                }
                try upsert(user, group: group, now: Int64(now.timeIntervalSince1970))
                return exists ? .replaced : .added
            }
        }
    }

    /// Deletes a user; false when there was none.
    public func delete(_ userID: String, group: String) throws -> Bool {
        try database {
            let statement = try connection.prepare("DELETE FROM users WHERE user_group = ? AND user_id = ?")
            try statement.bind(group, at: 1)
            try statement.bind(userID, at: 2)
            try statement.step()
            return connection.changes > 0
        }
    }

    /// Imports `users` into `group` in one transaction: all or nothing. A user already there
    /// with another record is replaced with `override` (EMQX's REST import) and skipped
    /// without it (EMQX's bootstrap).
    public func importUsers(_ users: [StoredUser], group: String, override: Bool, now: Date = Date()) throws -> UserImportReport {
        for user in users {
            if let problem = Self.userIDProblem(user.userID) { throw StoreError(.invalidEntry, problem) }
        }
        return try database {
            try connection.transaction {
                var report = UserImportReport()
                for user in users {
                    let existing = try self.user(user.userID, group: group)
                    switch existing {
                    case nil: report.added += 1
                    case user?: report.unchanged += 1
                    default:
                        guard override else {
                            report.skipped += 1
                            continue
                        }
                        report.updated += 1
                    }
                    if existing != user { try upsert(user, group: group, now: Int64(now.timeIntervalSince1970)) }
                }
                return report
            }
        }
    }

    private func upsert(_ user: StoredUser, group: String, now: Int64) throws {
        let statement = try connection.prepare(
            """
            INSERT INTO users (user_group, user_id, password_hash, salt, is_superuser, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
            ON CONFLICT (user_group, user_id) DO UPDATE SET password_hash = ?3, salt = ?4, is_superuser = ?5, updated_at = ?6
            """)
        try statement.bind(group, at: 1)
        try statement.bind(user.userID, at: 2)
        try statement.bind(user.passwordHash, at: 3)
        try statement.bind(user.salt, at: 4)
        try statement.bind(user.isSuperuser ? 1 : 0, at: 5)
        try statement.bind(now, at: 6)
        try statement.step()
    }

    /// Why a user id cannot be stored, or nil.
    public static func userIDProblem(_ userID: String) -> String? {
        if userID.isEmpty { return "the user id is empty" }
        if userID.utf8.count > maximumUserIDLength { return "the user id is longer than \(maximumUserIDLength) bytes" }
        if userID.utf8.contains(0) { return "the user id contains a NUL character" }
        return nil
    }

    /// Runs `body`, turning SQLite's errors into StoreError.
    func database<R>(_ body: () throws -> R) throws -> R {
        try StoreError.mapping(path: path, body)
    }
}
