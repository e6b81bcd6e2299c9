/// Why a TLS server refused a client: `cause`, a short fixed name that metrics count by
/// (`emqxctl_tls_handshake_failures_total{reason=…}`), and `description`, the plain words the
/// log gives (user-needs #3), which may name ciphers or a CRL.
package struct HandshakeRefusal: Sendable, Equatable, CustomStringConvertible {
    package enum Cause: String, Sendable, CaseIterable {
        case timeout
        case plaintextMQTT = "plaintext_mqtt"
        case httpRequest = "http_request"
        case noSharedCipher = "no_shared_cipher"
        case noClientCertificate = "no_client_certificate"
        case versionMismatch = "version_mismatch"
        case clientCertificateUnverified = "client_certificate_unverified"
        case clientDistrustsServer = "client_distrusts_server"
        case certificateExpired = "certificate_expired"
        case pskUnknownIdentity = "psk_unknown_identity"
        case pskMismatch = "psk_mismatch"
        case revoked
        case crlUnavailable = "crl_unavailable"
        case other
    }

    package let cause: Cause
    package let description: String

    package init(_ cause: Cause, _ description: String) {
        self.cause = cause
        self.description = description
    }
}
