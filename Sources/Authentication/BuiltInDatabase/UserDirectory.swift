import Dispatch
package import Logging
package import Stores
import Synchronization

/// One group's users (a chain's), in memory, reloaded within a second of another process
/// (`emqxctl user add`, `user import`) committing to the store. A CONNECT reads the snapshot
/// under an uncontended lock, never SQLite.
///
/// `@unchecked Sendable`: the snapshot is behind a Mutex; `store`, `version` and `timer` are
/// used only on `queue` after init.
package final class UserDirectory: @unchecked Sendable {
    private let table: Mutex<UserSnapshot>
    private let store: UserStore
    private let group: String
    private let queue = DispatchQueue(label: "emqxctl.user-refresh")
    private let logger: Logger
    private var version: Int64
    private var timer: (any DispatchSourceTimer)?

    package init(store: UserStore, group: String, logger: Logger) throws {
        self.store = store
        self.group = group
        self.logger = logger
        version = try store.dataVersion()
        table = Mutex(try store.snapshot(group: group))
    }

    package var count: Int { table.withLock { $0.count } }

    package func user(_ userID: String) -> StoredUser? { table.withLock { $0.user(userID) } }

    /// Checks the store for changes every `interval` seconds until `stop()`.
    package func startRefreshing(every interval: Double = 1) {
        queue.sync {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [self] in refresh() }
            timer.resume()
            self.timer = timer
        }
    }

    package func stop() { queue.sync { timer?.cancel() } }

    private func refresh() {
        do {
            let current = try store.dataVersion()
            guard current != version else { return }
            let snapshot = try store.snapshot(group: group)
            version = current
            table.withLock { $0 = snapshot }
            logger.info("user database reloaded: \(snapshot.count) users in \(group)")
        } catch {
            logger.warning("user database reload failed, keeping the last good table: \(error)")
        }
    }
}
