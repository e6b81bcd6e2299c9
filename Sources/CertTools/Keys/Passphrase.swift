/// A passphrase for an encrypted private key.
///
/// It never prints itself: `description` is a placeholder, so a passphrase cannot leak into a
/// log line or an error message by accident.
public struct Passphrase: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let bytes: [UInt8]

    /// A passphrase from file or environment contents; one trailing newline (CRLF or LF) is
    /// dropped, as `openssl -passin file:` does, so `echo secret > file` works.
    public init(_ text: String) throws {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else {
            throw CertToolsError(.invalidArgument, "the passphrase is empty")
        }
        guard !bytes.contains(0) else {
            throw CertToolsError(.invalidArgument, "the passphrase contains a NUL byte")
        }
        self.bytes = bytes
    }

    public var description: String { "<passphrase>" }
    public var debugDescription: String { "<passphrase>" }
}
