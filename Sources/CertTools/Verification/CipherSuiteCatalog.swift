internal import COpenSSL
internal import COpenSSLShims

/// A cipher suite the linked OpenSSL can negotiate.
public struct CipherSuite: Hashable, Sendable {
    /// OpenSSL's name (`ECDHE-ECDSA-AES128-GCM-SHA256`, `TLS_AES_128_GCM_SHA256`).
    public let name: String
    /// The IANA/RFC name (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`).
    public let standardName: String
    /// A TLS 1.3 suite (usable with TLS 1.3 only; ≤1.2 suites are unusable with 1.3).
    public let isTLS13: Bool
    /// The oldest protocol version it works with, as OpenSSL names it (`TLSv1.2`, `SSLv3`).
    public let minimumVersion: String
    /// Key exchange: `ECDHE`, `DHE`, `RSA`, `PSK`, `ECDHEPSK`, `DHEPSK`, `RSAPSK`, `any` (1.3).
    public let keyExchange: String
    /// Authentication: `RSA`, `ECDSA`, `DSS`, `PSK`, `None`, `any` (1.3).
    public let authentication: String

    /// Whether a PSK takes part in the key exchange.
    public var usesPSK: Bool { keyExchange.contains("PSK") }
    /// Whether the server needs a certificate with an RSA key for it.
    public var needsRSACertificate: Bool { authentication == "RSA" }
    /// Whether the server needs a certificate with an EC key for it.
    public var needsECDSACertificate: Bool { authentication == "ECDSA" }
}

/// Every cipher suite the linked OpenSSL knows, looked up by OpenSSL or IANA name.
///
/// Built once from an SSL_CTX at security level 0 with `ALL:COMPLEMENTOFALL` plus every TLS 1.3
/// suite, so it answers "can this OpenSSL do X at all", not "is X on by default".
public struct CipherSuiteCatalog: Sendable {
    public let suites: [CipherSuite]
    private let byName: [String: CipherSuite]
    private let byStandardName: [String: CipherSuite]

    /// The OpenSSL version string, for messages ("OpenSSL 3.0.19 27 Jan 2026").
    public let openSSLVersion: String

    /// The catalog of the OpenSSL this process links.
    public static let linked = CipherSuiteCatalog()

    private init() {
        openSSLVersion = String(cString: OpenSSL_version(Int32(OPENSSL_VERSION)))
        var suites: [CipherSuite] = []
        if let context = SSL_CTX_new(TLS_method()) {
            SSL_CTX_set_security_level(context, 0)
            _ = SSL_CTX_set_cipher_list(context, "ALL:COMPLEMENTOFALL:@SECLEVEL=0")
            _ = SSL_CTX_set_ciphersuites(
                context,
                "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"
            )
            if let stack = SSL_CTX_get_ciphers(context) {
                for index in 0..<OPENSSL_sk_num(stack) {
                    guard let raw = OPENSSL_sk_value(stack, index) else { continue }
                    suites.append(Self.describe(OpaquePointer(raw)))
                }
            }
            SSL_CTX_free(context)
        }
        OpenSSLErrorStack.clear()
        self.suites = suites
        byName = Dictionary(suites.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        byStandardName = Dictionary(suites.map { ($0.standardName, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func suite(named name: String) -> CipherSuite? { byName[name] }

    /// The suite whose IANA name this is, for "you wrote the RFC name" hints.
    public func suite(standardName: String) -> CipherSuite? { byStandardName[standardName] }

    private static func describe(_ cipher: OpaquePointer) -> CipherSuite {
        let name = String(cString: SSL_CIPHER_get_name(cipher))
        let standard = SSL_CIPHER_standard_name(cipher).map { String(cString: $0) } ?? name
        let version = String(cString: SSL_CIPHER_get_version(cipher))
        return CipherSuite(
            name: name, standardName: standard, isTLS13: version == "TLSv1.3", minimumVersion: version,
            keyExchange: nidName(SSL_CIPHER_get_kx_nid(cipher), table: keyExchanges),
            authentication: nidName(SSL_CIPHER_get_auth_nid(cipher), table: authentications)
        )
    }

    private static let keyExchanges: [Int32: String] = [
        NID_kx_ecdhe: "ECDHE", NID_kx_dhe: "DHE", NID_kx_rsa: "RSA", NID_kx_psk: "PSK", NID_kx_ecdhe_psk: "ECDHEPSK",
        NID_kx_dhe_psk: "DHEPSK", NID_kx_rsa_psk: "RSAPSK", NID_kx_any: "any", NID_kx_srp: "SRP", NID_kx_gost: "GOST",
    ]

    private static let authentications: [Int32: String] = [
        NID_auth_rsa: "RSA", NID_auth_ecdsa: "ECDSA", NID_auth_dss: "DSS", NID_auth_psk: "PSK", NID_auth_null: "None",
        NID_auth_any: "any", NID_auth_srp: "SRP", NID_auth_gost01: "GOST",
    ]

    private static func nidName(_ nid: Int32, table: [Int32: String]) -> String { table[nid] ?? "other" }
}
