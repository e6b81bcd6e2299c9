import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Operations

/// The file watcher's debounce, driven by hand: a change waits for the files to settle, a
/// burst of writes (a renewal) makes one call, and a file replaced by rename counts.
struct FileWatcherTests {
    let queue = DispatchQueue(label: "test.watcher")

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "watcher-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aBurstOfChangesMakesOneCallOnceSettled() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cert = dir + "/cert.pem"
        let key = dir + "/key.pem"
        try "a".write(toFile: cert, atomically: false, encoding: .utf8)
        try "a".write(toFile: key, atomically: false, encoding: .utf8)
        let calls = Mutex<[[String]]>([])
        let watcher = FileWatcher(paths: [cert, key], settle: 2, queue: queue) { _, files in calls.withLock { $0.append(files) } }
        let start = Date()
        queue.sync { watcher.poll(now: start) }
        #expect(calls.withLock { $0.isEmpty }, "nothing changed")

        try "bb".write(toFile: cert, atomically: false, encoding: .utf8)
        queue.sync { watcher.poll(now: start.addingTimeInterval(1)) }
        // The key lands a second later (atomically: a rename, a new inode).
        try "bb".write(toFile: key, atomically: true, encoding: .utf8)
        queue.sync { watcher.poll(now: start.addingTimeInterval(2)) }
        queue.sync { watcher.poll(now: start.addingTimeInterval(3)) }
        #expect(calls.withLock { $0.isEmpty }, "fired before the files settled")
        queue.sync { watcher.poll(now: start.addingTimeInterval(4.1)) }
        #expect(calls.withLock { $0 } == [[cert, key]])
        queue.sync { watcher.poll(now: start.addingTimeInterval(10)) }
        #expect(calls.withLock { $0.count } == 1, "fired twice for one change")
    }

    @Test func aFileThatComesBackIsAChange() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/acl.conf"
        let calls = Mutex(0)
        let watcher = FileWatcher(paths: [file], settle: 0, queue: queue) { _, _ in calls.withLock { $0 += 1 } }
        queue.sync { watcher.poll(now: Date()) }
        try "{allow, all}.\n".write(toFile: file, atomically: true, encoding: .utf8)
        queue.sync {
            watcher.poll(now: Date())
            watcher.poll(now: Date())
        }
        #expect(calls.withLock { $0 } == 1)
    }
}
