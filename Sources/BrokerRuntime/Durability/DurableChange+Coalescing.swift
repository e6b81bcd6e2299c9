import BrokerCore

extension DurableChange {
    /// A group of changes without the messages that came and went within it: a message added
    /// for a session and acknowledged (or dropped) before the group was written need not be
    /// written at all. Under load, where subscribers keep up, that is most of them; what
    /// reaches the disk is what is still owed when the group commits.
    ///
    /// A client's sequences start again with a new session, so a message is known by its
    /// session too: the sessions of a client within the group are counted at each end.
    static func coalesced(_ changes: [DurableChange]) -> [DurableChange] {
        var sessions: [String: Int] = [:]
        var keys: [MessageKey?] = []
        keys.reserveCapacity(changes.count)
        var added = Set<MessageKey>()
        var gone = Set<MessageKey>()
        for change in changes {
            var key: MessageKey?
            switch change {
            case .sessionEnded(let clientID):
                sessions[clientID, default: 0] += 1
            case .messageAdded(let clientID, let sequence, _, _):
                key = MessageKey(clientID: clientID, session: sessions[clientID] ?? 0, sequence: sequence)
                added.insert(key!)
            case .messageSent(let clientID, let sequence, _), .messageReleased(let clientID, let sequence):
                key = MessageKey(clientID: clientID, session: sessions[clientID] ?? 0, sequence: sequence)
            case .messageRemoved(let clientID, let sequence):
                key = MessageKey(clientID: clientID, session: sessions[clientID] ?? 0, sequence: sequence)
                if added.contains(key!) { gone.insert(key!) }
            default:
                break
            }
            keys.append(key)
        }
        guard !gone.isEmpty else { return changes }
        return changes.indices.compactMap { index in keys[index].map(gone.contains) == true ? nil : changes[index] }
    }

    private struct MessageKey: Hashable {
        let clientID: String
        /// Which of the client's sessions in the group: each `sessionEnded` starts the next.
        let session: Int
        let sequence: UInt64
    }
}
