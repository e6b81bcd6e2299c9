/// One `listeners.<type>.<name>` block, with EMQX's defaults applied.
public struct ListenerConfig: Sendable {
    public let type: ListenerType
    public let name: String
    /// True for the `default` listener EMQX adds when the config does not write it.
    public let isImplicit: Bool
    public var enable = true
    public var bind: Located<BindAddress>
    /// nil means `infinity`.
    public var maxConnections: Int?
    /// `max_conn_rate` with `max_conn_burst`; nil means `infinity`.
    public var maxConnectionRate: ConnectionRate?
    public var accessRules: [AccessRule] = [AccessRule(parsing: "allow all")!]
    public var proxyProtocol = false
    public var proxyProtocolTimeout = ConfigDuration.seconds(3)
    public var mountpoint = ""
    public var tcpOptions = TCPOptions()
    /// The listener's own chain; empty means the global one.
    public var authentication: [AuthenticatorConfig] = []
    public var enableAuthn = AuthenticationMode.enabled
    /// ssl, wss and quic listeners.
    public var sslOptions: SSLOptions?
    /// ws and wss: the `websocket` block, with EMQX's defaults.
    public var websocket: WebSocketConfig?
    /// Where the listener's key is written (nil for an implicit one).
    public var location: SourceLocation?

    /// `ssl:default`.
    public var id: String { "\(type.rawValue):\(name)" }

    /// Whether `emqxctl serve` runs it: enabled, of a served kind, and, for ws and wss, written
    /// in the config rather than added implicitly.
    public var isServed: Bool { enable && type.isServed && (!isImplicit || type.servesImplicitDefault) }
    /// `listeners.ssl.default`.
    public var keyPath: String { "listeners.\(type.rawValue).\(name)" }

    /// The implicit `default` listener of `type`, as EMQX adds it.
    static func implicitDefault(_ type: ListenerType, context: DecodingContext) -> ListenerConfig {
        var reader = ObjectReader(nil, keyPath: "listeners.\(type.rawValue).default", context: context)
        return ListenerConfig(type: type, name: "default", reader: &reader, implicit: true, context: context)
    }

    init(type: ListenerType, name: String, reader: inout ObjectReader, implicit: Bool = false, context: DecodingContext) {
        self.type = type
        self.name = name
        self.isImplicit = implicit
        location = reader.location
        enable = reader.bool("enable", default: true, aliases: ["enabled"])
        bind = Located(BindAddress(address: nil, port: type.defaultPort ?? 14567), at: nil, keyPath: reader.path("bind"))
        if let (address, _) = reader.bindAddress(hint: "write a port (8883) or a quoted \"IP:PORT\" (\"0.0.0.0:8883\")") {
            bind = address
        }
        maxConnections = Self.maxConnections(&reader)
        proxyProtocol = reader.bool("proxy_protocol", default: false)
        proxyProtocolTimeout = reader.duration("proxy_protocol_timeout", default: .seconds(3))
        mountpoint = reader.string("mountpoint", default: "")
        accessRules = Self.accessRules(&reader) ?? accessRules
        reader.notApplied(
            ["mountpoint"], .warning,
            why: "serve does not prefix this listener's topics, so its clients share one topic space with all others",
            when: !mountpoint.isEmpty)
        enableAuthn = reader.choice("enable_authn", default: .enabled)
        if let value = reader.value("authentication") {
            authentication = AuthenticatorConfig.chain(value, keyPath: reader.path("authentication"), context: context)
        }
        maxConnectionRate = Self.connectionRate(&reader)
        reader.notApplied(
            ["limiter", "messages_rate", "bytes_rate"], .warning,
            why: "serve has no per-client rate limits; max_conn_rate and max_connections bound this listener")
        reader.notApplied(
            ["zone"], .warning, why: "serve applies the global mqtt settings to every listener; zones are not read")
        reader.notApplied(["acceptors"], why: "SwiftNIO accepts on its event loops")
        if type != .quic {
            var tcp = reader.object("tcp_options")
            tcpOptions = TCPOptions(&tcp)
        }
        if type.usesTLS {
            if let value = reader.value("ssl_options") {
                var ssl = ObjectReader(value, keyPath: reader.path("ssl_options"), context: context)
                sslOptions = SSLOptions(&ssl, listenerType: type, context: context)
            } else {
                sslOptions = .defaults(keyPath: reader.path("ssl_options"), context: context)
            }
        }
        switch type {
        case .ws, .wss:
            var websocketReader = reader.object("websocket")
            websocket = WebSocketConfig(&websocketReader)
        case .quic:
            reader.declare(Self.quicKeys)
        default:
            break
        }
        reader.finish()
    }

    /// The QUIC transport keys of EMQX 5.8 (checked only for spelling: quic is not served).
    static let quicKeys = [
        "ciphers", "idle_timeout", "handshake_idle_timeout", "keep_alive_interval", "keepalive_interval",
        "peer_bidi_stream_count", "peer_unidi_stream_count", "retry_memory_limit", "load_balancing_mode",
        "max_operations_per_drain", "send_buffering_enabled", "pacing_enabled", "migration_enabled",
        "datagram_receive_enabled", "server_resumption_level", "minimum_mtu", "maximum_mtu",
        "mtu_discovery_search_complete_timeout_us", "mtu_discovery_missing_probe_count", "max_binding_stateless_operations",
        "stateless_operation_expiration_ms", "disconnect_timeout_ms", "stream_recv_window_default",
        "stream_recv_buffer_default", "conn_flow_control_window", "max_stateless_operations", "initial_window_packets",
        "send_idle_timeout_ms", "initial_rtt_ms", "max_ack_delay_ms", "keep_alive_interval_ms", "congestion_control_algorithm",
        "ecn_enabled", "hystart_enabled", "tls_server_max_send_buffer", "tls_client_max_send_buffer",
        "stream_multi_receive_enabled", "max_worker_queue_delay_us",
    ]

    /// `max_conn_rate` ("1000/s", "1000/10s", "1000", infinity) and `max_conn_burst`.
    private static func connectionRate(_ reader: inout ObjectReader) -> ConnectionRate? {
        let burst = reader.value("max_conn_burst").flatMap { value -> Int? in
            guard let text = value.scalarText, let count = Int(text), count > 0 else {
                reader.invalid("max_conn_burst", value, "expected a whole number of 1 or more")
                return nil
            }
            return count
        }
        guard let value = reader.value("max_conn_rate"), value.scalarText != "infinity" else {
            if burst != nil {
                reader.sink.report(
                    .noEffect, .warning, reader.keyLocation("max_conn_burst"), reader.path("max_conn_burst"),
                    "max_conn_burst has no effect without max_conn_rate")
            }
            return nil
        }
        guard let text = value.scalarText, var rate = ConnectionRate(parsing: text) else {
            reader.invalid(
                "max_conn_rate", value,
                "\"\(value.scalarText ?? value.kindName)\" is not a rate; write \"1000/s\", \"1000/10s\", \"1000\" or infinity")
            return nil
        }
        if let burst { rate.burst = burst }
        return rate
    }

    private static func maxConnections(_ reader: inout ObjectReader) -> Int? {
        guard let value = reader.value("max_connections") else { return nil }
        if value.scalarText == "infinity" { return nil }
        guard let text = value.scalarText, let count = Int(text), count > 0 else {
            reader.sink.report(
                .maxConnectionsInvalid, .error, value.location, reader.path("max_connections"),
                "\"\(value.scalarText ?? value.kindName)\" is not a positive number or infinity"
            )
            return nil
        }
        return count
    }

    /// `access_rules`: each element may hold several comma-separated rules; every bad one is
    /// listed in one diagnostic, as EMQX does.
    private static func accessRules(_ reader: inout ObjectReader) -> [AccessRule]? {
        guard let value = reader.value("access_rules") else { return nil }
        guard case .array(let elements) = value.kind else {
            reader.invalid("access_rules", value, "expected an array of rules such as [\"allow 10.0.0.0/8\", \"deny all\"]")
            return nil
        }
        var rules: [AccessRule] = []
        var bad: [String] = []
        for element in elements {
            guard let text = element.scalarText else {
                bad.append(element.kindName)
                continue
            }
            for piece in text.split(separator: ",").map({ String($0).trimmingWhitespace }) where !piece.isEmpty {
                if let rule = AccessRule(parsing: piece) { rules.append(rule) } else { bad.append(piece) }
            }
        }
        if !bad.isEmpty {
            reader.sink.report(
                .accessRuleInvalid, .error, value.location, reader.path("access_rules"),
                "invalid rule\(bad.count == 1 ? "" : "s"): \(bad.map { "\"\($0)\"" }.joined(separator: ", "))",
                hint: "each rule is \"allow\" or \"deny\", a space, then all, an IP address, or a CIDR (10.0.0.0/8, 2001:db8::/32)"
            )
        }
        return rules
    }
}
