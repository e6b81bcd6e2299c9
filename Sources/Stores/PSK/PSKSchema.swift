extension StoreSchema {
    /// The PSK store's tables.
    static let psk = StoreSchema(
        name: "PSK store",
        migrations: [
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
        ])
}
