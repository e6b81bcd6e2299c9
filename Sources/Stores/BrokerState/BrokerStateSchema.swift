extension StoreSchema {
    /// The broker's state store: retained messages (`retainer.backend.storage_type = disc`)
    /// and durable sessions (`session_persistence`).
    static let brokerState = StoreSchema(
        name: "broker state store",
        migrations: [
            // 1: retained messages; sessions with their subscriptions, messages (queued, or in
            // flight with the packet identifier they were sent with) and the inbound QoS 2
            // identifiers awaiting PUBREL.
            """
            CREATE TABLE retained (
                topic TEXT PRIMARY KEY,
                payload BLOB NOT NULL,
                qos INTEGER NOT NULL,
                properties BLOB NOT NULL,
                publisher TEXT,
                expires_at INTEGER
            );
            CREATE TABLE sessions (
                client_id TEXT PRIMARY KEY,
                protocol_level INTEGER NOT NULL,
                expiry_interval INTEGER NOT NULL,
                disconnected_at INTEGER
            ) WITHOUT ROWID;
            CREATE TABLE subscriptions (
                client_id TEXT NOT NULL,
                filter TEXT NOT NULL,
                options INTEGER NOT NULL,
                identifier INTEGER,
                PRIMARY KEY (client_id, filter)
            ) WITHOUT ROWID;
            CREATE TABLE session_messages (
                client_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                topic TEXT NOT NULL,
                payload BLOB NOT NULL,
                qos INTEGER NOT NULL,
                retain INTEGER NOT NULL,
                properties BLOB NOT NULL,
                publisher TEXT,
                expires_at INTEGER,
                identifiers TEXT NOT NULL,
                packet_id INTEGER,
                released INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (client_id, sequence)
            );
            CREATE TABLE awaiting_release (
                client_id TEXT NOT NULL,
                packet_id INTEGER NOT NULL,
                PRIMARY KEY (client_id, packet_id)
            ) WITHOUT ROWID;
            """
        ])
}
