/// `ssl_options.ocsp`: OCSP stapling of the listener's own certificate (ssl listeners only).
public struct OCSPConfig: Sendable {
    public var enableOCSPStapling = false
    /// An http(s) URL; a scheme-less one gets http:// as in EMQX.
    public var responderURL: Located<String>?
    /// The issuer of the listener's certificate (a path).
    public var issuerPEM: Located<String>?
    /// Default 5m; EMQX raises anything below 1m to 1m at runtime, and so do we.
    public var refreshInterval = ConfigDuration.minutes(5)
    /// Default 15s.
    public var refreshHTTPTimeout = ConfigDuration.seconds(15)
    public var location: SourceLocation?

    public init() {}

    init(_ reader: inout ObjectReader, context: DecodingContext) {
        location = reader.location
        enableOCSPStapling = reader.bool("enable_ocsp_stapling", default: false)
        responderURL = reader.located("responder_url")
        issuerPEM = reader.located("issuer_pem").map(context.expandPath)
        refreshInterval = reader.duration("refresh_interval", default: refreshInterval)
        refreshHTTPTimeout = reader.duration("refresh_http_timeout", default: refreshHTTPTimeout)
        reader.finish()
    }
}
