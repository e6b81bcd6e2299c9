import Dispatch
package import Logging
import Synchronization

/// A value loaded from a store and kept in memory, reloaded within a second of another
/// process (`emqxctl user`, `emqxctl acl`) committing to the store. Readers (a CONNECT, a
/// PUBLISH) take the current value under an uncontended lock and never touch SQLite.
///
/// `@unchecked Sendable`: the value is behind a Mutex; `load`, `version`, `seen` and `timer`
/// are used only on `queue` after init.
package final class LiveSnapshot<Value: Sendable>: @unchecked Sendable {
    private let value: Mutex<Value>
    private let load: () throws -> Value
    private let version: () throws -> Int64
    private let describe: (Value) -> String
    private let queue: DispatchQueue
    private let logger: Logger
    private var seen: Int64
    private var timer: (any DispatchSourceTimer)?

    /// Loads the value now; throws when the store cannot be read. `describe` says what was
    /// reloaded, for the log.
    package init(
        label: String, logger: Logger, version: @escaping () throws -> Int64, load: @escaping () throws -> Value,
        describe: @escaping (Value) -> String
    ) throws {
        self.load = load
        self.version = version
        self.describe = describe
        self.logger = logger
        queue = DispatchQueue(label: "emqxctl.\(label)-refresh")
        seen = try version()
        value = Mutex(try load())
    }

    package var current: Value { value.withLock { $0 } }

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
            let latest = try version()
            guard latest != seen else { return }
            let loaded = try load()
            seen = latest
            value.withLock { $0 = loaded }
            logger.info("reloaded \(describe(loaded))")
        } catch {
            logger.warning("reload failed, keeping the last good table: \(error)")
        }
    }
}
