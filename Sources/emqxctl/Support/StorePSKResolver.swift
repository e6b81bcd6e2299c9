import BrokerTLS
import Dispatch
import Logging
import Stores
import Synchronization

/// Answers TLS PSK lookups from an in-memory snapshot of the PSK store, and reloads the
/// snapshot within a second of another process (`psk import`, `psk add`) committing to it.
///
/// Handshakes never touch SQLite: the lookup is one dictionary read under an uncontended
/// lock, taken only while the refresh swaps the table.
///
/// `@unchecked Sendable`: the table is behind a Mutex; `store`, `version` and `timer` are
/// used only on `queue` after init.
final class StorePSKResolver: PSKResolver, @unchecked Sendable {
    private let table: Mutex<PSKSnapshot>
    private let store: PSKStore
    private let queue = DispatchQueue(label: "emqxctl.psk-refresh")
    private let logger: Logger
    private var version: Int64
    private var timer: (any DispatchSourceTimer)?

    /// Loads the store's current contents; throws when the store cannot be read.
    init(store: PSKStore, logger: Logger) throws {
        self.store = store
        self.logger = logger
        version = try store.dataVersion()
        table = Mutex(try store.snapshot())
    }

    var count: Int { table.withLock { $0.count } }

    func key(for identity: [UInt8]) -> [UInt8]? {
        table.withLock { $0.secret(for: identity) }
    }

    /// Checks the store for changes every `interval` seconds until `stop()`.
    func startRefreshing(every interval: Double = 1) {
        queue.sync { scheduleTimer(interval) }
    }

    private func scheduleTimer(_ interval: Double) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [self] in refresh() }
        timer.resume()
        self.timer = timer
    }

    func stop() {
        queue.sync { timer?.cancel() }
    }

    private func refresh() {
        do {
            let current = try store.dataVersion()
            guard current != version else { return }
            let snapshot = try store.snapshot()
            version = current
            table.withLock { $0 = snapshot }
            logger.info("PSK store reloaded: \(snapshot.count) identities")
        } catch {
            logger.warning("PSK store reload failed, keeping the last good table: \(error)")
        }
    }
}
