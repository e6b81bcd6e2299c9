/// The one error type of the stores. Messages name lines, identities and users, never secrets or hashes.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A line of an import file is not a valid `identity<separator>secret` line.
        public static let invalidLine = Code("invalid-line")
        /// An identity or secret given directly (CLI) is not valid.
        public static let invalidEntry = Code("invalid-entry")
        /// A file cannot be read, or the store cannot be created or written.
        public static let fileSystem = Code("file-system")
        /// SQLite refused an operation; `reason` holds its message.
        public static let database = Code("database")
        /// The store's schema is newer than this emqxctl understands.
        public static let schemaTooNew = Code("schema-too-new")
        /// Another process holds the store (the broker state store, while a serve runs).
        public static let locked = Code("locked")
        /// No such identity.
        public static let notFound = Code("not-found")

        public var description: String { name }
    }

    public let code: Code
    public let reason: String
    /// The file involved, when there is one.
    public let path: String?
    /// The 1-based line of an import file, for `.invalidLine`.
    public let line: Int?

    init(_ code: Code, _ reason: String, path: String? = nil, line: Int? = nil) {
        self.code = code
        self.reason = reason
        self.path = path
        self.line = line
    }

    /// `file:line: reason`, `file: reason`, or the reason alone.
    public var description: String {
        switch (path, line) {
        case (let path?, let line?): "\(path):\(line): \(reason)"
        case (let path?, nil): "\(path): \(reason)"
        default: reason
        }
    }

    static func database(_ error: SQLiteError, path: String?) -> StoreError {
        StoreError(.database, error.message, path: path)
    }

    /// Runs `body`, turning SQLite's errors into StoreError for the store at `path`.
    static func mapping<R>(path: String, _ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as SQLiteError {
            throw database(error, path: path)
        }
    }
}

extension StoreError: Equatable {
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
}
