/// One problem found in a config: data, not a thrown error, so that a check reports every
/// problem at once (docs/conventions.md, 7).
public struct Diagnostic: Hashable, Sendable {
    public enum Severity: String, Sendable, Comparable {
        case error
        case warning
        /// Information: a key with no effect in our runtime, a root we do not check.
        case note

        private var rank: Int {
            switch self {
            case .error: 0
            case .warning: 1
            case .note: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// A stable identifier such as `tls-version-unknown`, for scripts and documentation.
    public struct Code: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }
    }

    public let code: Code
    public let severity: Severity
    /// Where the offending value (or key) is; nil for a problem with no single place.
    public let location: SourceLocation?
    /// The HOCON path of the key, e.g. `listeners.ssl.default.ssl_options.versions`.
    public let keyPath: String?
    /// What is wrong, in one sentence.
    public let message: String
    /// What to change, in one sentence; may be empty.
    public let hint: String

    public init(
        _ code: Code,
        _ severity: Severity,
        at location: SourceLocation?,
        keyPath: String? = nil,
        _ message: String,
        hint: String = ""
    ) {
        self.code = code
        self.severity = severity
        self.location = location
        self.keyPath = keyPath
        self.message = message
        self.hint = hint
    }
}
