extension StoreSchema {
    /// The built-in database's tables (EMQX's `emqx_authn_mnesia` and `emqx_authz_mnesia`):
    /// users keyed by their group,
    /// which is the authentication chain they belong to (`mqtt:global`, or a listener's
    /// `ssl:default`), as EMQX keys them, so each chain has its own users.
    static let users = StoreSchema(
        name: "user database",
        migrations: [
            // 1: users with EMQX's record: the hash and salt as stored, and the superuser flag.
            """
            CREATE TABLE users (
                user_group TEXT NOT NULL,
                user_id TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                salt TEXT NOT NULL,
                is_superuser INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (user_group, user_id)
            ) WITHOUT ROWID;
            """,
            // 2: authorization rules of the built_in_database source (EMQX's emqx_authz_mnesia):
            // per client id, per user name, or for all, each list in order.
            """
            CREATE TABLE acl_rules (
                subject_type TEXT NOT NULL CHECK (subject_type IN ('clientid', 'username', 'all')),
                subject TEXT NOT NULL,
                position INTEGER NOT NULL,
                permission TEXT NOT NULL CHECK (permission IN ('allow', 'deny')),
                action TEXT NOT NULL CHECK (action IN ('publish', 'subscribe', 'all')),
                topic TEXT NOT NULL,
                qos INTEGER NOT NULL,
                retain TEXT NOT NULL CHECK (retain IN ('true', 'false', 'all')),
                created_at INTEGER NOT NULL,
                PRIMARY KEY (subject_type, subject, position)
            ) WITHOUT ROWID;
            """,
        ])
}
