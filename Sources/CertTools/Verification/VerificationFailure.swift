import Foundation

/// Why a chain did not verify, in words a user can act on.
public struct VerificationFailure: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        public static let expired = Code("expired")
        public static let notYetValid = Code("not-yet-valid")
        public static let unknownIssuer = Code("unknown-issuer")
        public static let missingIntermediate = Code("missing-intermediate")
        public static let wrongOrder = Code("wrong-order")
        public static let hostnameMismatch = Code("hostname-mismatch")
        public static let wrongPurpose = Code("wrong-purpose")
        public static let revoked = Code("revoked")
        public static let crlUnavailable = Code("crl-unavailable")
        public static let crlExpired = Code("crl-expired")
        public static let crlInvalid = Code("crl-invalid")
        public static let badSignature = Code("bad-signature")
        public static let invalidCA = Code("invalid-ca")
        public static let strictViolation = Code("strict-violation")
        public static let other = Code("other")

        /// A stable kebab-case name, used in JSON output.
        public var description: String { name }
    }

    public let code: Code
    /// The certificate the problem is with.
    public let subject: String
    /// Its depth in the chain: 0 is the leaf.
    public let depth: Int
    /// One sentence: what is wrong.
    public let message: String
    /// One sentence: what to do about it.
    public let hint: String
    /// OpenSSL's own verify error string, for people who search for it.
    public let openSSLReason: String?

    public var description: String { message }
}

/// A chain that verified: leaf first, trust anchor last.
public struct VerifiedChain: Sendable {
    public let certificates: [Certificate]
}
