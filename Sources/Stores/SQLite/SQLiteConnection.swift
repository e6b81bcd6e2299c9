internal import CSQLite

/// One SQLite database connection: the one Swift owner of a `sqlite3*`.
///
/// Not thread-safe: each thread or task that touches the database opens its own connection
/// (SQLite is built thread-safe, and WAL lets readers run beside one writer).
final class SQLiteConnection {
    let handle: OpaquePointer

    /// Opens (and, unless `readOnly`, creates) the database at `path`; `:memory:` is a private
    /// in-memory database.
    init(path: String, readOnly: Bool = false) throws {
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot allocate a connection"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: status, message: "\(message): \(path)", sql: nil)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        // Wait for a competing writer instead of failing at once.
        sqlite3_busy_timeout(handle, 5_000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        guard status == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(message)
            throw SQLiteError(code: status, message: text, sql: sql)
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back
    /// when it throws. IMMEDIATE takes the write lock up front, so a concurrent writer waits
    /// (busy timeout) rather than failing halfway through.
    func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// `PRAGMA user_version`: the schema version our migrations keep.
    var userVersion: Int {
        get throws {
            let statement = try prepare("PRAGMA user_version")
            guard try statement.step() else { return 0 }
            return Int(statement.int64(at: 0))
        }
    }

    /// SQLite's `data_version`: it changes when another connection commits, so a long-running
    /// reader (`serve`) reloads its snapshot only when there is something new.
    var dataVersion: Int64 {
        get throws {
            let statement = try prepare("PRAGMA data_version")
            _ = try statement.step()
            return statement.int64(at: 0)
        }
    }

    func setUserVersion(_ version: Int) throws {
        try execute("PRAGMA user_version = \(version)")
    }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }
}
