/// The key types `cert gen` and `cert issue` can make.
///
/// EC P-256 is the default: a full TLS handshake with it costs a fraction of RSA's, which is
/// what matters when a fleet reconnects at once (user-needs #12), and every MQTT client stack
/// we know of accepts it.
public enum KeyAlgorithm: String, CaseIterable, Sendable {
    case ecP256 = "ec-p256"
    case ecP384 = "ec-p384"
    case rsa2048 = "rsa-2048"
    case rsa3072 = "rsa-3072"
    case rsa4096 = "rsa-4096"
    case ed25519 = "ed25519"

    /// Whether the key is RSA (RSA leaves also get keyEncipherment, for static-RSA suites).
    public var isRSA: Bool {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: true
        default: false
        }
    }

    /// OpenSSL's algorithm name for `EVP_PKEY_CTX_new_from_name`.
    var openSSLName: String {
        switch self {
        case .ecP256, .ecP384: "EC"
        case .rsa2048, .rsa3072, .rsa4096: "RSA"
        case .ed25519: "ED25519"
        }
    }

    var rsaBits: UInt32? {
        switch self {
        case .rsa2048: 2048
        case .rsa3072: 3072
        case .rsa4096: 4096
        default: nil
        }
    }

    var curveName: String? {
        switch self {
        case .ecP256: "P-256"
        case .ecP384: "P-384"
        default: nil
        }
    }
}
