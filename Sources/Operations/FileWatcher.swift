package import Dispatch
package import Foundation

/// Watches the files a config names and calls `changed` once they have settled: renewal tools
/// (certbot, cert-manager) write several files one after another, so a change starts a quiet
/// period and the call comes when `settle` has passed with no further change. The call gets
/// the watcher (to `watch` what the new config names) and the files that changed.
///
/// It polls (`stat`, following symlinks, every `interval`) rather than using inotify: a renewal
/// that replaces a file by rename, or moves a symlink, is seen the same way, and a few stat
/// calls a second cost nothing. A file that disappears counts as a change when it comes back.
package final class FileWatcher: @unchecked Sendable {
    /// What identifies a file's contents without reading it.
    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    private let queue: DispatchQueue
    private let interval: DispatchTimeInterval
    private let settle: TimeInterval
    private let changed: @Sendable (FileWatcher, [String]) -> Void
    private var timer: (any DispatchSourceTimer)?
    // Touched only on `queue`.
    private var stamps: [String: Stamp?] = [:]
    private var pendingSince: Date?
    private var pendingFiles: [String] = []

    package init(
        paths: [String], interval: DispatchTimeInterval = .seconds(1), settle: TimeInterval = 2, queue: DispatchQueue,
        changed: @escaping @Sendable (FileWatcher, [String]) -> Void
    ) {
        self.queue = queue
        self.interval = interval
        self.settle = settle
        self.changed = changed
        queue.sync { stamps = Self.stamps(of: paths) }
    }

    package func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.poll(now: Date()) }
        timer.resume()
        self.timer = timer
    }

    package func stop() {
        timer?.cancel()
        timer = nil
    }

    /// The files to watch from now on (a reload may name others); their current state is the
    /// baseline. Call on `queue` (the reload that changed them runs there).
    package func watch(_ paths: [String]) {
        dispatchPrecondition(condition: .onQueue(queue))
        stamps = Self.stamps(of: paths)
        pendingSince = nil
        pendingFiles = []
    }

    /// One look: a difference starts (or restarts) the quiet period; a quiet period that has
    /// run its course fires, with the files that changed.
    func poll(now: Date) {
        let current = Self.stamps(of: Array(stamps.keys))
        if current != stamps {
            pendingFiles += current.keys.filter { current[$0] != stamps[$0] && !pendingFiles.contains($0) }.sorted()
            stamps = current
            pendingSince = now
            return
        }
        guard let since = pendingSince, now.timeIntervalSince(since) >= settle else { return }
        let files = pendingFiles
        pendingSince = nil
        pendingFiles = []
        changed(self, files)
    }

    static func stamps(of paths: [String]) -> [String: Stamp?] {
        Dictionary(paths.map { ($0, stamp($0)) }) { first, _ in first }
    }

    static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Stamp(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}
