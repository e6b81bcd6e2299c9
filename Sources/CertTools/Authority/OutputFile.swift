/// A file a command wants written, relative to an output folder.
///
/// CertTools decides what goes into files; the executable's writer decides how (atomic
/// rename, modes, refusing to overwrite), so every command writes the same safe way.
public struct OutputFile: Sendable {
    public enum Kind: Sendable {
        /// A private key: mode 0600, never overwritten without --force.
        case secret
        /// A certificate or CRL: mode 0644, never overwritten without --force.
        case certificate
        /// CA bookkeeping (index.txt, crlnumber): mode 0644, replaced as a matter of course.
        case state
        /// A published artefact that is replaced each time (a CRL from `cert crl`): mode 0644.
        case publication
    }

    public let name: String
    public let contents: [UInt8]
    public let kind: Kind

    public init(name: String, contents: [UInt8], kind: Kind) {
        self.name = name
        self.contents = contents
        self.kind = kind
    }

    public init(name: String, text: String, kind: Kind) {
        self.init(name: name, contents: Array(text.utf8), kind: kind)
    }

    /// Whether an existing file of this name may be replaced without --force.
    public var replacesWithoutForce: Bool { kind == .state || kind == .publication }
}
