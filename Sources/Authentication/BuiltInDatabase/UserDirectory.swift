package import Logging
package import Stores

/// One group's users (a chain's), live from the user store.
package typealias UserDirectory = LiveSnapshot<UserSnapshot>

extension LiveSnapshot where Value == UserSnapshot {
    package convenience init(store: UserStore, group: String, logger: Logger) throws {
        try self.init(
            label: "users", logger: logger, version: { try store.dataVersion() }, load: { try store.snapshot(group: group) },
            describe: { "user database: \($0.count) users in \(group)" })
    }

    package var count: Int { current.count }

    package func user(_ userID: String) -> StoredUser? { current.user(userID) }
}
