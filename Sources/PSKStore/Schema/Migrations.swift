/// The store's schema, as ordered migrations. `PRAGMA user_version` holds how many have run;
/// opening a store runs the missing ones in one transaction, and refuses a store written by a
/// newer emqxctl.
enum Migrations {
    static let all: [String] = [
        // 1: identities with their secrets, where they came from, and which import last saw them.
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            description TEXT NOT NULL UNIQUE
        );
        CREATE TABLE psk (
            identity BLOB PRIMARY KEY,
            secret BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            source_line INTEGER,
            import_serial INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE TABLE counters (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO counters VALUES ('import_serial', 0);
        """
    ]

    static var currentVersion: Int { all.count }

    static func migrate(_ connection: SQLiteConnection, path: String) throws {
        let version = try connection.userVersion
        guard version <= currentVersion else {
            throw PSKStoreError(
                .schemaTooNew,
                "the store has schema version \(version), newer than this emqxctl knows (\(currentVersion)); upgrade emqxctl",
                path: path
            )
        }
        guard version < currentVersion else { return }
        try connection.transaction {
            for migration in all[version...] { try connection.execute(migration) }
            try connection.setUserVersion(currentVersion)
        }
    }
}
