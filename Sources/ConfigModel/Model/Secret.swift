import Foundation

/// A secret value (a key password): never printed.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The value as configured; `file://PATH` means "read it from PATH".
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "******" }
    public var debugDescription: String { "******" }

    /// The secret's text: the value itself, or for `file://PATH` the file's contents with
    /// trailing whitespace trimmed, as EMQX reads it (a relative PATH is resolved by
    /// `paths`). The one place a secret file is read. Errors name the file, never its contents.
    public func text(paths: PathResolver) throws(SecretFileError) -> String {
        guard value.hasPrefix("file://") else { return value }
        let path = paths.absolute(String(value.dropFirst("file://".count)))
        guard let data = FileManager.default.contents(atPath: path) else { throw SecretFileError(path: path) }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A `file://` secret whose file cannot be read.
public struct SecretFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public var description: String { "the password file \(path) cannot be read" }
}
