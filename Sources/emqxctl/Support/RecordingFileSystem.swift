import ConfigModel
import Foundation
import Synchronization

/// The local file system, noting each config file the loader reads (the main file and its
/// includes): what serve's file watcher watches besides the TLS files.
final class RecordingFileSystem: ConfigFileSystem {
    private let read = Mutex<[String]>([])

    var files: [String] { read.withLock { $0 } }

    func contents(of path: String) throws -> String? {
        read.withLock { if !$0.contains(path) { $0.append(path) } }
        return try LocalFileSystem().contents(of: path)
    }
}
