public import Foundation

/// Where a config's relative paths point: EMQX reads them from its working directory, and so
/// do `config check` and `serve`. The one place a configured path is made absolute.
public struct PathResolver: Sendable, Hashable {
    public var workingDirectory: String

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.workingDirectory = workingDirectory
    }

    /// `path` as is when absolute, else under the working directory.
    public func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (workingDirectory as NSString).appendingPathComponent(path)
    }
}
