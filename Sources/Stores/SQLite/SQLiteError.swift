/// A failed SQLite call: the result code, SQLite's message, and the statement involved.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The primary or extended result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, …).
    public let code: Int32
    public let message: String
    /// The SQL that failed, when there is one.
    public let sql: String?

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " (in: \($0))" } ?? "")
    }
}
