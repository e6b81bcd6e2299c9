public import ConfigModel

/// TLS for the load generator's clients (`emqxctl bench … --tls`), with the knobs of
/// mosquitto_pub's TLS options.
public struct TLSClientOptions: Sendable {
    /// Trust anchors for the server's certificate; nil skips verification (`--insecure`).
    public var caFile: String?
    /// A client certificate and its key, for listeners with verify_peer.
    public var certFile: String?
    public var keyFile: String?
    /// The key file's password, when it is encrypted.
    public var keyPassword: String?
    /// A pre-shared key: identity and key bytes.
    public var psk: (identity: [UInt8], key: [UInt8])?
    /// Exactly these versions.
    public var versions: [TLSVersion] = [.tlsv1_3, .tlsv1_2]
    /// Suites to offer (TLS 1.3 and ≤1.2 names mixed, as in ssl_options.ciphers); empty offers
    /// OpenSSL's defaults.
    public var ciphers: [String] = []
    /// How many intermediate certificates may follow the server's (`depth`).
    public var verifyDepth = 10
    /// Sent as SNI and checked against the server's certificate when it is verified.
    public var serverName: String?

    public init() {}
}
