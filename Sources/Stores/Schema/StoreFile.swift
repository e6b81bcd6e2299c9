import Foundation

/// Opening a store's SQLite file the one way every store does: created 0600 (O_EXCL, never
/// over an existing file) in a 0700 folder, WAL with `synchronous=NORMAL` so a running
/// `serve` keeps reading while a command writes, then migrated to the current schema.
enum StoreFile {
    /// `hint` says which command creates the store, for the error when it is missing.
    /// `synchronous` FULL also fsyncs each commit, for a store whose commits were promised.
    static func open(path: String, create: Bool, schema: StoreSchema, hint: String, synchronous: String = "NORMAL") throws
        -> SQLiteConnection
    {
        if !FileManager.default.fileExists(atPath: path) {
            guard create else { throw StoreError(.fileSystem, "no \(schema.name) here; \(hint)", path: path) }
            try createFile(path, schema: schema)
        }
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=\(synchronous); PRAGMA cache_size=-8192")
            try schema.migrate(connection, path: path)
            return connection
        } catch let error as SQLiteError {
            throw StoreError.database(error, path: path)
        }
    }

    /// A private in-memory database with the schema, for checking input and writing nothing.
    static func inMemory(schema: StoreSchema) throws -> SQLiteConnection {
        do {
            let connection = try SQLiteConnection(path: ":memory:")
            try schema.migrate(connection, path: ":memory:")
            return connection
        } catch let error as SQLiteError {
            throw StoreError.database(error, path: ":memory:")
        }
    }

    /// Creates an empty file with mode 0600 (O_EXCL: never over an existing one), and its folder.
    private static func createFile(_ path: String, schema: StoreSchema) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError(.fileSystem, "cannot create the folder \(folder): \(String(cString: strerror(ENOTDIR)))", path: path)
            }
        }
        let descriptor = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.fileSystem, "cannot create the \(schema.name): \(String(cString: strerror(errno)))", path: path)
        }
        close(descriptor)
    }
}
