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
        // Invalid UTF-8 becomes U+FFFD, which the lexer then reports where it stands.
        return String(decoding: data, as: UTF8.self)
    }
}
