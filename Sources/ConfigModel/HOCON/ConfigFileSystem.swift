import Foundation

/// How the loader reads config files: injected, so tests can count reads and the loader never
/// touches anything but the files it is asked to.
public protocol ConfigFileSystem: Sendable {
    /// The file's text, or nil when it does not exist. Throws when it exists but cannot be read.
    func contents(of path: String) throws -> String?
}

/// The real file system.
public struct LocalFileSystem: ConfigFileSystem {
    public init() {}

    public func contents(of path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CocoaError(.fileReadInapplicableStringEncoding, userInfo: [NSFilePathErrorKey: path])
        }
        return text
    }
}
