internal import COpenSSL

/// A TLS failure: a code to act on, what went wrong in words, and OpenSSL's own reasons.
/// Equality compares the code only (docs/conventions.md, 6).
public struct TLSError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What kind of failure, from the reason codes of OpenSSL's SSL library; a struct over a
    /// private enum, so that codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case noSharedCipher, peerCertificateMissing, protocolVersionMismatch, wrongVersionNumber
            case peerCertificateUnverified, peerDistrustsCA, peerSaysCertificateExpired, httpRequest
            case pskIdentityUnknown, pskMismatch, badExtension, other
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The client offered no suite this side allows.
        public static let noSharedCipher = Code(.noSharedCipher)
        /// A certificate was required and the client sent none.
        public static let peerCertificateMissing = Code(.peerCertificateMissing)
        /// The two sides' TLS versions do not overlap.
        public static let protocolVersionMismatch = Code(.protocolVersionMismatch)
        /// The record layer saw a version it does not speak (often not TLS at all).
        public static let wrongVersionNumber = Code(.wrongVersionNumber)
        /// The peer's certificate did not verify (unknown CA, expired, wrong purpose, revoked).
        public static let peerCertificateUnverified = Code(.peerCertificateUnverified)
        /// The peer's alert: it does not trust our CA.
        public static let peerDistrustsCA = Code(.peerDistrustsCA)
        /// The peer's alert: a certificate has expired.
        public static let peerSaysCertificateExpired = Code(.peerSaysCertificateExpired)
        /// An HTTP request arrived where a ClientHello was expected.
        public static let httpRequest = Code(.httpRequest)
        /// A PSK identity the resolver does not know.
        public static let pskIdentityUnknown = Code(.pskIdentityUnknown)
        /// The PSK the peer used differs from ours for its identity.
        public static let pskMismatch = Code(.pskMismatch)
        /// A malformed or refused extension (TLS 1.3 reports a refused external PSK so).
        public static let badExtension = Code(.badExtension)
        /// Anything else: the reasons say what.
        public static let other = Code(.other)

        public var description: String { base.rawValue }

        /// The code for one entry of OpenSSL's error queue, nil when it is not one we name.
        static func from(library: Int32, reason: Int32) -> Code? {
            guard library == ERR_LIB_SSL else { return nil }
            switch reason {
            case SSL_R_NO_SHARED_CIPHER: return .noSharedCipher
            case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED: return .peerCertificateMissing
            case SSL_R_UNSUPPORTED_PROTOCOL: return .protocolVersionMismatch
            case SSL_R_WRONG_VERSION_NUMBER: return .wrongVersionNumber
            case SSL_R_CERTIFICATE_VERIFY_FAILED: return .peerCertificateUnverified
            case SSL_R_TLSV1_ALERT_UNKNOWN_CA: return .peerDistrustsCA
            case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED: return .peerSaysCertificateExpired
            case SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST: return .httpRequest
            case SSL_R_PSK_IDENTITY_NOT_FOUND: return .pskIdentityUnknown
            case SSL_R_BINDER_DOES_NOT_VERIFY, SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: return .pskMismatch
            case SSL_R_BAD_EXTENSION: return .badExtension
            default: return nil
            }
        }
    }

    public let code: Code
    public let reason: String
    /// OpenSSL's reason strings, oldest first.
    public let openSSLReasons: [String]

    package init(_ reason: String, code: Code = .other, openSSLReasons: [String] = []) {
        self.code = code
        self.reason = reason
        self.openSSLReasons = openSSLReasons
    }

    /// A TLSError carrying (and emptying) the thread's OpenSSL error queue; its code is that
    /// of the first entry we name.
    static func fromQueue(_ reason: String) -> TLSError {
        var reasons: [String] = []
        var code: Code?
        while true {
            let packed = ERR_get_error()
            if packed == 0 { break }
            code = code ?? Code.from(library: ERR_GET_LIB(packed), reason: ERR_GET_REASON(packed))
            reasons.append(ERR_reason_error_string(packed).map { String(cString: $0) } ?? "error \(packed)")
        }
        return TLSError(reason, code: code ?? .other, openSSLReasons: reasons)
    }

    public var description: String {
        openSSLReasons.isEmpty ? reason : "\(reason) (OpenSSL: \(openSSLReasons.joined(separator: "; ")))"
    }

    public static func == (lhs: TLSError, rhs: TLSError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
