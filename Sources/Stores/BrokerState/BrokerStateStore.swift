import Foundation

/// The broker's state store (`data/broker.db`): retained messages kept on disc and durable
/// sessions, in SQLite (`StoreFile`: WAL, 0600, migrated). `serve` owns it alone while it runs
/// (an advisory lock on the file), writes it from one thread in groups (`apply`, one
/// transaction each, fsynced: `synchronous=FULL`), and reads it whole once, at start-up.
/// Not thread-safe: one thread uses it.
public final class BrokerStateStore {
    public let path: String
    let connection: SQLiteConnection
    /// The open file that holds the lock, released when the store is.
    private let lock: Int32
    private let statements: Statements

    private init(path: String, connection: SQLiteConnection, lock: Int32) throws {
        self.path = path
        self.connection = connection
        self.lock = lock
        self.statements = try Statements(connection)
    }

    deinit { close(lock) }

    /// Opens the store at `path`, creating it (0600, in a 0700 folder) if it is missing. It is
    /// refused when another process has it open as its state store, when it is not a SQLite
    /// database, and when a newer emqxctl wrote it.
    public static func open(path: String) throws -> BrokerStateStore {
        let connection = try StoreFile.open(
            path: path, create: true, schema: .brokerState, hint: "serve creates one", synchronous: "FULL")
        let lock = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard lock >= 0 else { throw StoreError(.fileSystem, "cannot open: \(String(cString: strerror(errno)))", path: path) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            let why = errno == EWOULDBLOCK ? "another emqxctl serve is using it" : String(cString: strerror(errno))
            close(lock)
            throw StoreError(.locked, "the broker state store is locked: \(why)", path: path)
        }
        do {
            return try StoreError.mapping(path: path) { try BrokerStateStore(path: path, connection: connection, lock: lock) }
        } catch {
            close(lock)
            throw error
        }
    }

    // MARK: Start-up

    /// Everything the store holds, once what has expired by `now` (milliseconds since 1970)
    /// is deleted. Sessions that were connected when the broker stopped count as disconnected
    /// now.
    public func load(now: Int64) throws -> (sessions: [StoredSession], retained: [StoredMessage]) {
        try StoreError.mapping(path: path) {
            try connection.transaction {
                try connection.execute("UPDATE sessions SET disconnected_at = \(now) WHERE disconnected_at IS NULL")
                let expired = "expiry_interval < 4294967295 AND disconnected_at + expiry_interval * 1000 <= \(now)"
                for table in ["subscriptions", "session_messages", "awaiting_release"] {
                    try connection.execute("DELETE FROM \(table) WHERE client_id IN (SELECT client_id FROM sessions WHERE \(expired))")
                }
                try connection.execute("DELETE FROM sessions WHERE \(expired)")
                try connection.execute("DELETE FROM retained WHERE expires_at <= \(now)")
                try connection.execute("DELETE FROM session_messages WHERE expires_at <= \(now) AND packet_id IS NULL")
            }
            return (try loadSessions(), try loadRetained())
        }
    }

    private func loadSessions() throws -> [StoredSession] {
        var sessions: [String: StoredSession] = [:]
        let rows = try connection.prepare("SELECT client_id, protocol_level, expiry_interval, disconnected_at FROM sessions")
        while try rows.step() {
            let clientID = rows.text(at: 0) ?? ""
            sessions[clientID] = StoredSession(
                clientID: clientID, protocolLevel: UInt8(clamping: rows.int64(at: 1)), expiryInterval: UInt32(clamping: rows.int64(at: 2)),
                disconnectedAt: rows.int64(at: 3))
        }
        let subscriptions = try connection.prepare("SELECT client_id, filter, options, identifier FROM subscriptions")
        while try subscriptions.step() {
            let clientID = subscriptions.text(at: 0) ?? ""
            sessions[clientID]?.subscriptions.append(
                StoredSession.Subscription(
                    filter: subscriptions.text(at: 1) ?? "", options: UInt8(clamping: subscriptions.int64(at: 2)),
                    identifier: subscriptions.isNull(at: 3) ? nil : Int(subscriptions.int64(at: 3))))
        }
        let messages = try connection.prepare(
            """
            SELECT client_id, sequence, topic, payload, qos, retain, properties, publisher, expires_at, identifiers, packet_id, released
            FROM session_messages ORDER BY client_id, sequence
            """)
        while try messages.step() {
            let clientID = messages.text(at: 0) ?? ""
            let message = StoredMessage(
                topic: messages.text(at: 2) ?? "", payload: messages.blob(at: 3), qos: UInt8(clamping: messages.int64(at: 4)),
                retain: messages.int64(at: 5) != 0, properties: messages.blob(at: 6), publisher: messages.text(at: 7),
                expiresAt: messages.isNull(at: 8) ? nil : messages.int64(at: 8))
            sessions[clientID]?.messages.append(
                StoredSession.Message(
                    sequence: messages.int64(at: 1), message: message,
                    identifiers: (messages.text(at: 9) ?? "").split(separator: ",").compactMap { Int($0) },
                    packetID: messages.isNull(at: 10) ? nil : UInt16(clamping: messages.int64(at: 10)),
                    released: messages.int64(at: 11) != 0))
        }
        let awaiting = try connection.prepare("SELECT client_id, packet_id FROM awaiting_release")
        while try awaiting.step() {
            sessions[awaiting.text(at: 0) ?? ""]?.awaitingRelease.append(UInt16(clamping: awaiting.int64(at: 1)))
        }
        return sessions.values.sorted { $0.clientID < $1.clientID }
    }

    private func loadRetained() throws -> [StoredMessage] {
        let rows = try connection.prepare("SELECT topic, payload, qos, properties, publisher, expires_at FROM retained")
        var retained: [StoredMessage] = []
        while try rows.step() {
            retained.append(
                StoredMessage(
                    topic: rows.text(at: 0) ?? "", payload: rows.blob(at: 1), qos: UInt8(clamping: rows.int64(at: 2)), retain: true,
                    properties: rows.blob(at: 3), publisher: rows.text(at: 4), expiresAt: rows.isNull(at: 5) ? nil : rows.int64(at: 5)))
        }
        return retained
    }

    // MARK: Writing

    /// Writes `changes` in one transaction, in order: all of them, or none.
    public func apply(_ changes: [StoredChange]) throws {
        try StoreError.mapping(path: path) {
            try connection.transaction {
                for change in changes { try statements.apply(change) }
            }
        }
    }

    /// How many rows each table holds, for tests and `status`.
    public func counts() throws -> [String: Int] {
        try StoreError.mapping(path: path) {
            var counts: [String: Int] = [:]
            for table in ["retained", "sessions", "subscriptions", "session_messages", "awaiting_release"] {
                let statement = try connection.prepare("SELECT count(*) FROM \(table)")
                _ = try statement.step()
                counts[table] = Int(statement.int64(at: 0))
            }
            return counts
        }
    }
}
