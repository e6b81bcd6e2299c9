/// A store's schema, as ordered migrations. `PRAGMA user_version` holds how many have run;
/// opening a store runs the missing ones in one transaction, and refuses a store written by a
/// newer emqxctl.
struct StoreSchema: Sendable {
    /// What the store is called in messages: "PSK store".
    let name: String
    let migrations: [String]

    var currentVersion: Int { migrations.count }

    func migrate(_ connection: SQLiteConnection, path: String) throws {
        let version = try connection.userVersion
        guard version <= currentVersion else {
            throw StoreError(
                .schemaTooNew,
                "the \(name) has schema version \(version), newer than this emqxctl knows (\(currentVersion)); upgrade emqxctl",
                path: path
            )
        }
        guard version < currentVersion else { return }
        try connection.transaction {
            for migration in migrations[version...] { try connection.execute(migration) }
            try connection.setUserVersion(currentVersion)
        }
    }
}
