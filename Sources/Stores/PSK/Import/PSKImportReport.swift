/// What an import did (or, with `dryRun`, would do).
public struct PSKImportReport: Sendable {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    /// Identities deleted because the file no longer has them (`replace` only).
    public var removed = 0
    /// Blank and comment lines.
    public var skipped = 0
    public var lines = 0
    public var bytes = 0
    public var dryRun = false
    /// Lines whose identity appeared earlier in the file (the later line wins).
    public var duplicates = 0
    /// Raw secrets ending in a space or tab, kept as written.
    public var trailingSpaces = 0
    /// Raw secrets that look like hex (see `warnings`).
    public var hexLookingSecrets = 0
    /// Human-readable warnings, at most `maximumWarnings`, each naming its line(s).
    public var warnings: [String] = []

    public static let maximumWarnings = 20

    /// The identities the file defines.
    public var entries: Int { added + updated + unchanged }

    mutating func warn(_ message: String) {
        if warnings.count < Self.maximumWarnings { warnings.append(message) }
    }
}

/// How to import.
public struct PSKImportOptions: Sendable {
    /// The bytes between identity and secret; default `:`.
    public var separator = ":"
    /// Lines parsed and validated before they are written, and so the memory used. EMQX's
    /// default is 50. The import is one transaction whatever this is.
    public var chunkSize = 50
    public var encoding = PSKSecretEncoding.raw
    /// Make the store exactly the file: identities not in it are deleted.
    public var replace = false
    /// Do everything, report, and roll back.
    public var dryRun = false

    public init() {}
}
