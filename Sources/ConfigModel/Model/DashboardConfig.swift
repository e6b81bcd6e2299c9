/// `dashboard`: where `serve`'s admin endpoint listens (metrics, status, the status page and
/// reload), under EMQX's names `dashboard.listeners.http` and `dashboard.listeners.https`.
///
/// Unlike EMQX, the endpoint is off unless a listener is written, and a bare port binds
/// loopback (127.0.0.1), not every interface: an address other than loopback must be written.
/// `bind = 0` turns a listener off, as in EMQX. EMQX's dashboard users are not applied: reads
/// are open, and every change needs the bearer token `serve` keeps under its data directory.
public struct DashboardConfig: Sendable {
    public struct Listener: Sendable {
        public var bind: Located<BindAddress>
        /// Only on https: the server's certificate, key and TLS settings.
        public var sslOptions: SSLOptions?
        public var keyPath: String
    }

    /// The default port, as EMQX's.
    public static let defaultPort: UInt16 = 18083

    public var http: Listener?
    public var https: Listener?

    public init() {}

    /// The listeners that run, http first.
    public var listeners: [Listener] { [http, https].compactMap { $0 } }

    init(_ reader: inout ObjectReader, context: DecodingContext) {
        if reader.value("listeners") != nil {
            var listeners = reader.object("listeners")
            http = Self.listener(&listeners, "http", context: context)
            https = Self.listener(&listeners, "https", context: context)
            listeners.finish()
        }
        reader.notApplied(
            [
                "default_username", "default_password", "bootstrap_users_file", "password_expired_time", "token_expired_time",
                "unsuccessful_login_interval", "unsuccessful_login_lock_duration", "unsuccessful_login_max_attempts", "sso",
            ],
            .warning,
            why:
                "emqxctl has no dashboard users: reads are open to whoever reaches the endpoint, and changes need the bearer token in data/admin.token"
        )
        reader.notApplied(
            ["sample_interval", "cors", "i18n_lang", "swagger_support", "enable"], why: "emqxctl serves only metrics, status and reload")
        reader.finish()
    }

    private static func isLoopback(_ address: BindAddress) -> Bool {
        guard let host = address.address else { return false }
        return host == "::1" || host.hasPrefix("127.")
    }

    private static func listener(_ reader: inout ObjectReader, _ name: String, context: DecodingContext) -> Listener? {
        guard reader.value(name) != nil else { return nil }
        var listener = reader.object(name)
        defer { listener.finish() }
        let enabled = listener.bool("enable", default: true)
        var bind = Located(BindAddress(address: "127.0.0.1", port: defaultPort), at: listener.location, keyPath: listener.path("bind"))
        if let (written, text) = listener.bindAddress(hint: "write a port (18083, which binds 127.0.0.1) or a quoted \"IP:PORT\"") {
            let (address, location) = (written.value, written.location)
            // A bare port (or ":PORT") means loopback here: every interface must be written.
            let bare = text.hasPrefix(":") || text.allSatisfy(\.isNumber)
            bind = bare ? Located(BindAddress(address: "127.0.0.1", port: address.port), at: location, keyPath: written.keyPath) : written
            if bare, address.port != 0 {
                listener.sink.report(
                    .dashboardBind, .note, location, written.keyPath,
                    "the admin endpoint listens on 127.0.0.1:\(address.port) only (EMQX would listen on every interface)",
                    hint: "write \"0.0.0.0:\(address.port)\" to reach it from other hosts")
            } else if name == "http", !Self.isLoopback(address) {
                listener.sink.report(
                    .dashboardBind, .warning, location, written.keyPath,
                    "plain http on \(address): metrics, status and reload requests (with their bearer token) cross the network unencrypted",
                    hint: "bind http to 127.0.0.1, and use dashboard.listeners.https for other hosts")
            }
        }
        var sslOptions: SSLOptions?
        if name == "https" {
            var ssl = listener.object("ssl_options")
            sslOptions = SSLOptions(&ssl, listenerType: .wss, context: context, dashboard: true)
        }
        listener.notApplied(
            ["num_acceptors", "max_connections", "backlog", "send_timeout", "inet6", "ipv6_v6only"],
            why: "the admin endpoint serves a few requests at a time on the broker's event loop")
        listener.notApplied(["proxy_header"], .warning, why: "the admin endpoint reads no PROXY header; it sees the proxy's address")
        guard enabled, bind.value.port != 0 else { return nil }
        return Listener(bind: bind, sslOptions: sslOptions, keyPath: listener.keyPath)
    }
}
