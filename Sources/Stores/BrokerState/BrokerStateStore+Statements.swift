/// The state store's writes, prepared once.
extension BrokerStateStore {
    final class Statements {
        private let saveSession: SQLiteStatement
        private let disconnectSession: SQLiteStatement
        private let endSession: [SQLiteStatement]
        private let subscribe: SQLiteStatement
        private let unsubscribe: SQLiteStatement
        private let addMessage: SQLiteStatement
        private let sendMessage: SQLiteStatement
        private let releaseMessage: SQLiteStatement
        private let removeMessage: SQLiteStatement
        private let awaitRelease: SQLiteStatement
        private let completeRelease: SQLiteStatement
        private let retain: SQLiteStatement
        private let clearRetained: SQLiteStatement

        init(_ connection: SQLiteConnection) throws {
            saveSession = try connection.prepare(
                """
                INSERT INTO sessions (client_id, protocol_level, expiry_interval, disconnected_at) VALUES (?1, ?2, ?3, NULL)
                ON CONFLICT (client_id) DO UPDATE SET protocol_level = ?2, expiry_interval = ?3, disconnected_at = NULL
                """)
            disconnectSession = try connection.prepare(
                "UPDATE sessions SET expiry_interval = ?2, disconnected_at = ?3 WHERE client_id = ?1")
            endSession = try ["sessions", "subscriptions", "session_messages", "awaiting_release"].map {
                try connection.prepare("DELETE FROM \($0) WHERE client_id = ?1")
            }
            subscribe = try connection.prepare(
                "INSERT OR REPLACE INTO subscriptions (client_id, filter, options, identifier) VALUES (?, ?, ?, ?)")
            unsubscribe = try connection.prepare("DELETE FROM subscriptions WHERE client_id = ? AND filter = ?")
            addMessage = try connection.prepare(
                """
                INSERT OR REPLACE INTO session_messages
                (client_id, sequence, topic, payload, qos, retain, properties, publisher, expires_at, identifiers)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            sendMessage = try connection.prepare("UPDATE session_messages SET packet_id = ?3 WHERE client_id = ?1 AND sequence = ?2")
            releaseMessage = try connection.prepare("UPDATE session_messages SET released = 1 WHERE client_id = ?1 AND sequence = ?2")
            removeMessage = try connection.prepare("DELETE FROM session_messages WHERE client_id = ? AND sequence = ?")
            awaitRelease = try connection.prepare("INSERT OR IGNORE INTO awaiting_release (client_id, packet_id) VALUES (?, ?)")
            completeRelease = try connection.prepare("DELETE FROM awaiting_release WHERE client_id = ? AND packet_id = ?")
            retain = try connection.prepare(
                "INSERT OR REPLACE INTO retained (topic, payload, qos, properties, publisher, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
            clearRetained = try connection.prepare("DELETE FROM retained WHERE topic = ?")
        }

        func apply(_ change: StoredChange) throws {
            switch change {
            case .sessionSaved(let clientID, let level, let expiry):
                try run(saveSession, .text(clientID), .int(Int64(level)), .int(Int64(expiry)))
            case .sessionDisconnected(let clientID, let expiry, let at):
                try run(disconnectSession, .text(clientID), .int(Int64(expiry)), .int(at))
            case .sessionEnded(let clientID):
                for statement in endSession { try run(statement, .text(clientID)) }
            case .subscribed(let clientID, let filter, let options, let identifier):
                try run(subscribe, .text(clientID), .text(filter), .int(Int64(options)), identifier.map { .int(Int64($0)) } ?? .null)
            case .unsubscribed(let clientID, let filter):
                try run(unsubscribe, .text(clientID), .text(filter))
            case .messageAdded(let clientID, let sequence, let message, let identifiers):
                try run(
                    addMessage, .text(clientID), .int(sequence), .text(message.topic), .blob(message.payload), .int(Int64(message.qos)),
                    .int(message.retain ? 1 : 0), .blob(message.properties), message.publisher.map { .text($0) } ?? .null,
                    message.expiresAt.map { .int($0) } ?? .null, .text(identifiers.map(String.init).joined(separator: ",")))
            case .messageSent(let clientID, let sequence, let packetID):
                try run(sendMessage, .text(clientID), .int(sequence), .int(Int64(packetID)))
            case .messageReleased(let clientID, let sequence):
                try run(releaseMessage, .text(clientID), .int(sequence))
            case .messageRemoved(let clientID, let sequence):
                try run(removeMessage, .text(clientID), .int(sequence))
            case .releaseAwaited(let clientID, let packetID):
                try run(awaitRelease, .text(clientID), .int(Int64(packetID)))
            case .releaseCompleted(let clientID, let packetID):
                try run(completeRelease, .text(clientID), .int(Int64(packetID)))
            case .retained(let topic, let message?):
                try run(
                    retain, .text(topic), .blob(message.payload), .int(Int64(message.qos)), .blob(message.properties),
                    message.publisher.map { .text($0) } ?? .null, message.expiresAt.map { .int($0) } ?? .null)
            case .retained(let topic, nil):
                try run(clearRetained, .text(topic))
            }
        }

        private enum Value {
            case text(String)
            case int(Int64)
            case blob([UInt8])
            case null
        }

        private func run(_ statement: SQLiteStatement, _ values: Value...) throws {
            defer { statement.reset() }
            for (offset, value) in values.enumerated() {
                let index = Int32(offset + 1)
                switch value {
                case .text(let text): try statement.bind(text, at: index)
                case .int(let number): try statement.bind(number, at: index)
                case .blob(let bytes): try statement.bind(bytes, at: index)
                case .null: try statement.bindNull(at: index)
                }
            }
            try statement.step()
        }
    }
}
