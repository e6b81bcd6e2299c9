/// The one error type of CertTools.
///
/// `code` says what kind of failure it is and is what tests compare; `reason` is the sentence a
/// user reads; `path` names the file involved, when there is one. New codes can be added
/// without breaking callers, because `Code` is a struct over a private enum.
public struct CertToolsError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidEncoding
            case unsupportedObject
            case passphraseRequired
            case wrongPassphrase
            case keyMismatch
            case invalidSubjectAlternativeName
            case invalidArgument
            case invalidCAFolder
            case fileSystem
            case unacceptableOCSPResponse
            case openSSL
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Not PEM or DER, a truncated PEM block, bad base64, or DER that does not parse.
        public static let invalidEncoding = Code(.invalidEncoding)
        /// A well-formed block of a kind this command cannot use (for example a key where a
        /// certificate is needed).
        public static let unsupportedObject = Code(.unsupportedObject)
        /// An encrypted key was read without a passphrase.
        public static let passphraseRequired = Code(.passphraseRequired)
        /// An encrypted key did not decrypt with the passphrase given.
        public static let wrongPassphrase = Code(.wrongPassphrase)
        /// A private key that does not belong to the certificate it is paired with.
        public static let keyMismatch = Code(.keyMismatch)
        /// A `--san` value that is not a host name, IP address, URI or email address.
        public static let invalidSubjectAlternativeName = Code(.invalidSubjectAlternativeName)
        /// A parameter out of range: validity days, key type, URL, name.
        public static let invalidArgument = Code(.invalidArgument)
        /// A CA folder that is missing files or whose state file is corrupt.
        public static let invalidCAFolder = Code(.invalidCAFolder)
        /// Reading or writing a file failed.
        public static let fileSystem = Code(.fileSystem)
        /// An OCSP response that parsed but failed a check: the responder's status, the
        /// signature, the certificate it covers, its freshness, or an unknown cert status.
        public static let unacceptableOCSPResponse = Code(.unacceptableOCSPResponse)
        /// OpenSSL refused an operation that should not fail; the reason holds its error stack.
        public static let openSSL = Code(.openSSL)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let reason: String
    public let path: String?
    private let origin: String

    init(_ code: Code, _ reason: String, path: String? = nil, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.path = path
        self.origin = "\(fileID):\(line)"
    }

    /// `path: reason`, or just the reason when no file is involved.
    public var description: String {
        if let path { return "\(path): \(reason)" }
        return reason
    }

    /// The description plus the place in our source that raised the error, for bug reports.
    public var debugDescription: String { "CertToolsError.\(code): \(description) [\(origin)]" }

    /// The same error, now naming `path` (used where the reader learns the file name late).
    func at(path: String) -> CertToolsError {
        CertToolsError(code, reason, path: self.path ?? path, fileID: "", line: 0)
    }
}

extension CertToolsError: Equatable {
    /// Errors are equal when their codes are: tests assert on what went wrong, not the wording.
    public static func == (lhs: CertToolsError, rhs: CertToolsError) -> Bool { lhs.code == rhs.code }
}
