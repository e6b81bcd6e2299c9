public import Foundation

/// The PSK store: identities and their secrets in SQLite (`StoreFile`: WAL, 0600), so readers
/// (a running `serve`) keep reading while an import writes, and see either the old set or the
/// new one, never a mix.
/// Not thread-safe: open one store per thread or task.
public final class PSKStore {
    /// OpenSSL 3's limits (PSK_MAX_IDENTITY_LEN, PSK_MAX_PSK_LEN): longer ones can never be used.
    public static let maximumIdentityLength = 256
    public static let maximumSecretLength = 512

    public let path: String
    let connection: SQLiteConnection

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// A store in memory, for checking a file with the import's own rules and writing nothing
    /// (`config check` on init_file).
    public static func inMemory() throws -> PSKStore {
        PSKStore(path: ":memory:", connection: try StoreFile.inMemory(schema: .psk))
    }

    /// Opens the store at `path`, creating it (and its folder) when `create` is true.
    public static func open(path: String, create: Bool = true) throws -> PSKStore {
        let connection = try StoreFile.open(
            path: path, create: create, schema: .psk, hint: "`emqxctl psk import` or `psk add` creates one")
        return PSKStore(path: path, connection: connection)
    }

    // MARK: Reading

    /// Every identity with its metadata, sorted by identity.
    public func list() throws -> [PSKEntryInfo] {
        try database {
            let statement = try connection.prepare(
                "SELECT identity, length(secret), created_at, updated_at, description FROM psk JOIN sources ON sources.id = psk.source_id ORDER BY identity"
            )
            var entries: [PSKEntryInfo] = []
            while try statement.step() {
                entries.append(
                    PSKEntryInfo(
                        identity: statement.blob(at: 0), secretLength: Int(statement.int64(at: 1)),
                        createdAt: Date(timeIntervalSince1970: TimeInterval(statement.int64(at: 2))),
                        updatedAt: Date(timeIntervalSince1970: TimeInterval(statement.int64(at: 3))),
                        source: statement.text(at: 4) ?? ""
                    )
                )
            }
            return entries
        }
    }

    /// How many identities the store holds.
    public func count() throws -> Int {
        try database {
            let statement = try connection.prepare("SELECT count(*) FROM psk")
            _ = try statement.step()
            return Int(statement.int64(at: 0))
        }
    }

    /// One identity's metadata, or nil.
    public func entry(_ identity: [UInt8]) throws -> PSKEntryInfo? {
        try list(matching: identity).first
    }

    private func list(matching identity: [UInt8]) throws -> [PSKEntryInfo] {
        try database {
            let statement = try connection.prepare(
                "SELECT length(secret), created_at, updated_at, description FROM psk JOIN sources ON sources.id = psk.source_id WHERE identity = ?"
            )
            try statement.bind(identity, at: 1)
            guard try statement.step() else { return [] }
            return [
                PSKEntryInfo(
                    identity: identity, secretLength: Int(statement.int64(at: 0)),
                    createdAt: Date(timeIntervalSince1970: TimeInterval(statement.int64(at: 1))),
                    updatedAt: Date(timeIntervalSince1970: TimeInterval(statement.int64(at: 2))),
                    source: statement.text(at: 3) ?? ""
                )
            ]
        }
    }

    /// The secret bytes of `identity`, or nil.
    public func secret(for identity: [UInt8]) throws -> [UInt8]? {
        try database {
            let statement = try connection.prepare("SELECT secret FROM psk WHERE identity = ?")
            try statement.bind(identity, at: 1)
            return try statement.step() ? statement.blob(at: 0) : nil
        }
    }

    /// All identities and secrets, read in one transaction (one consistent version).
    public func snapshot() throws -> PSKSnapshot {
        try database {
            try connection.execute("BEGIN")
            defer { try? connection.execute("COMMIT") }
            let statement = try connection.prepare("SELECT identity, secret FROM psk")
            var secrets: [[UInt8]: [UInt8]] = [:]
            while try statement.step() { secrets[statement.blob(at: 0)] = statement.blob(at: 1) }
            return PSKSnapshot(secrets: secrets)
        }
    }

    /// SQLite's `data_version`: it changes when another connection commits to the store.
    public func dataVersion() throws -> Int64 {
        try database { try connection.dataVersion }
    }

    /// Calls `body` for each identity and secret, sorted by identity, inside one read
    /// transaction, without holding them all in memory (for `psk export`).
    public func forEachSecret(_ body: ([UInt8], [UInt8]) throws -> Void) throws {
        try database {
            try connection.execute("BEGIN")
            defer { try? connection.execute("COMMIT") }
            let statement = try connection.prepare("SELECT identity, secret FROM psk ORDER BY identity")
            while try statement.step() { try body(statement.blob(at: 0), statement.blob(at: 1)) }
        }
    }

    // MARK: Writing

    public enum AddResult: Sendable {
        case added
        case replaced
    }

    /// Adds `identity`, or replaces its secret when `replacing` is true.
    public func add(identity: [UInt8], secret: [UInt8], source: String, replacing: Bool, now: Date = Date()) throws -> AddResult {
        try PSKEntryRules.check(identity: identity, secret: secret)
        return try database {
            try connection.transaction {
                let sourceID = try sourceID(source)
                let exists = try self.secret(for: identity) != nil
                if exists && !replacing {
                    throw StoreError(
                        .invalidEntry, "the identity \"\(PSKText.display(identity))\" already exists; pass --force to replace its secret")
                }
                let statement = try connection.prepare(
                    """
                    INSERT INTO psk (identity, secret, created_at, updated_at, source_id, source_line) VALUES (?1, ?2, ?3, ?3, ?4, NULL)
                    ON CONFLICT (identity) DO UPDATE SET secret = ?2, updated_at = ?3, source_id = ?4, source_line = NULL
                    """
                )
                try statement.bind(identity, at: 1)
                try statement.bind(secret, at: 2)
                try statement.bind(Int64(now.timeIntervalSince1970), at: 3)
                try statement.bind(sourceID, at: 4)
                try statement.step()
                return exists ? .replaced : .added
            }
        }
    }

    /// Deletes `identity`; false when there was none.
    public func delete(identity: [UInt8]) throws -> Bool {
        try database {
            let statement = try connection.prepare("DELETE FROM psk WHERE identity = ?")
            try statement.bind(identity, at: 1)
            try statement.step()
            return connection.changes > 0
        }
    }

    /// The id of a source description, created on first use.
    func sourceID(_ description: String) throws -> Int64 {
        let insert = try connection.prepare("INSERT OR IGNORE INTO sources (description) VALUES (?)")
        try insert.bind(description, at: 1)
        try insert.step()
        let select = try connection.prepare("SELECT id FROM sources WHERE description = ?")
        try select.bind(description, at: 1)
        guard try select.step() else { throw StoreError(.database, "cannot record the source \(description)", path: path) }
        return select.int64(at: 0)
    }

    /// Runs `body`, turning SQLite's errors into StoreError.
    func database<R>(_ body: () throws -> R) throws -> R {
        try StoreError.mapping(path: path, body)
    }
}

/// Limits every entry must meet, however it arrives.
enum PSKEntryRules {
    static func check(identity: [UInt8], secret: [UInt8]) throws {
        if let problem = identityProblem(identity) { throw StoreError(.invalidEntry, problem) }
        if let problem = secretProblem(secret) { throw StoreError(.invalidEntry, problem) }
    }

    static func identityProblem<C: Collection<UInt8>>(_ identity: C) -> String? {
        if identity.isEmpty { return "the identity is empty" }
        if identity.count > PSKStore.maximumIdentityLength {
            return "the identity is \(identity.count) bytes long; OpenSSL accepts at most \(PSKStore.maximumIdentityLength)"
        }
        if identity.contains(0) { return "the identity contains a NUL byte, which no TLS client can send" }
        return nil
    }

    static func secretProblem<C: Collection<UInt8>>(_ secret: C) -> String? {
        if secret.isEmpty { return "the secret is empty" }
        if secret.count > PSKStore.maximumSecretLength {
            return "the secret is \(secret.count) bytes long; OpenSSL accepts at most \(PSKStore.maximumSecretLength)"
        }
        return nil
    }
}
