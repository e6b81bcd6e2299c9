public import Foundation

/// A user of the built-in database as EMQX stores it: the password only as its hash and salt
/// (computed with the authenticator's `password_hash_algorithm`), and whether it is a
/// superuser.
public struct StoredUser: Sendable, Equatable {
    /// The user name or client id, as the authenticator's `user_id_type` says.
    public let userID: String
    public let passwordHash: String
    public let salt: String
    public let isSuperuser: Bool

    public init(userID: String, passwordHash: String, salt: String, isSuperuser: Bool) {
        self.userID = userID
        self.passwordHash = passwordHash
        self.salt = salt
        self.isSuperuser = isSuperuser
    }
}

/// What `user list` shows of a user: never the hash or the salt.
public struct UserInfo: Sendable, Hashable {
    public let userID: String
    public let isSuperuser: Bool
    public let createdAt: Date
    public let updatedAt: Date
}

/// Every user of one group, in memory, immutable: what the broker's authenticator reads at
/// CONNECT, so a lookup never touches the disk.
public struct UserSnapshot: Sendable {
    private let users: [String: StoredUser]

    init(users: [String: StoredUser]) { self.users = users }

    public var count: Int { users.count }

    public func user(_ userID: String) -> StoredUser? { users[userID] }
}

/// What a user import did.
public struct UserImportReport: Sendable, Equatable {
    public var added = 0
    /// Users whose record changed (only with `override`).
    public var updated = 0
    public var unchanged = 0
    /// Users already there with another record, left as they were (without `override`).
    public var skipped = 0

    public init() {}
}
