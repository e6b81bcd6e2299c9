internal import CSQLite
internal import CSQLiteShims

/// A prepared statement: the one Swift owner of a `sqlite3_stmt*`, finalized on release.
///
/// Prepare once and `reset` between rows; binding copies (SQLITE_TRANSIENT), so the Swift
/// values need not outlive the call.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let connection: SQLiteConnection
    let sql: String

    init(connection: SQLiteConnection, sql: String) throws {
        var handle: OpaquePointer?
        let status = sqlite3_prepare_v2(connection.handle, sql, -1, &handle, nil)
        guard status == SQLITE_OK, let handle else {
            throw SQLiteError(code: status, message: connection.lastErrorMessage, sql: sql)
        }
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: Binding (1-based indexes, as in SQL)

    func bind(_ bytes: [UInt8], at index: Int32) throws {
        try bytes.withUnsafeBytes { try bind($0, at: index) }
    }

    func bind(_ bytes: ArraySlice<UInt8>, at index: Int32) throws {
        try bytes.withUnsafeBytes { try bind($0, at: index) }
    }

    /// Binds a blob; an empty buffer binds a zero-length blob, not NULL.
    func bind(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        try check(CSQLiteShims_bind_blob_transient(handle, index, base, Int32(bytes.count)))
    }

    func bind(_ text: String, at index: Int32) throws {
        var text = text
        let status = text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { CSQLiteShims_bind_text_transient(handle, index, $0.baseAddress, Int32($0.count)) }
        }
        try check(status)
    }

    func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    // MARK: Running

    /// Advances one row: true when a row is ready to read, false when the statement is done.
    ///
    /// Run a statement to the end or `reset` it: while one is unfinished, SQLite keeps the
    /// connection's implicit transaction open, so its later autocommit writes stay invisible
    /// to other connections.
    @discardableResult
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status: throw SQLiteError(code: status, message: connection.lastErrorMessage, sql: sql)
        }
    }

    /// Makes the statement ready to run again, keeping the prepared plan. Bindings stay unless
    /// `clearingBindings`, so a hot loop can bind its constant parameters once.
    func reset(clearingBindings: Bool = true) {
        sqlite3_reset(handle)
        if clearingBindings { sqlite3_clear_bindings(handle) }
    }

    // MARK: Columns (0-based, as in the SQLite API)

    func int64(at column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func text(at column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    func blob(at column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    func isNull(at column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw SQLiteError(code: status, message: connection.lastErrorMessage, sql: sql) }
    }
}
