/// The typed view of an `emqx.conf`: what `config check` checks and `serve` runs.
public struct BrokerConfig: Sendable {
    /// Every listener, implicit defaults included, sorted by type then name.
    public var listeners: [ListenerConfig] = []
    public var pskAuthentication = PSKAuthenticationConfig()
    public var crlCache = CRLCacheConfig()
    public var forceShutdown = ForceShutdownConfig()
    public var retainer = RetainerConfig()
    /// `session_persistence`, or `durable_sessions` (its name since EMQX 5.7).
    public var sessionPersistence = SessionPersistenceConfig()
    public var mqtt = MQTTConfig()
    public var log = LogConfig()
    /// The admin endpoint: metrics, status and reload (off unless a listener is written).
    public var dashboard = DashboardConfig()
    /// The global authentication chain (`authentication`); a listener's own chain, when it has
    /// one, replaces it for that listener.
    public var authentication: [AuthenticatorConfig] = []
    /// `authorization`, or EMQX's defaults when it is not written.
    public var authorization: AuthorizationConfig
    /// The `ssl` blocks of outbound connections (authentication, authorization, bridges, …).
    public var sslClients: [SSLClientConfig] = []
    /// The main config file.
    public var file: String

    public init(file: String) {
        self.file = file
        authorization = AuthorizationConfig()
    }

    public func listener(_ id: String) -> ListenerConfig? { listeners.first { $0.id == id } }

    /// Listeners that are enabled and that `serve` runs.
    public var servedListeners: [ListenerConfig] { listeners.filter(\.isServed) }
}

/// The roots whose `ssl` blocks are outbound TLS connections, checked as client options.
let outboundRoots: Set<String> = ["authentication", "authorization", "bridges", "connectors", "actions", "sources", "gateway"]

/// The roots that decide who a client is and what it may do: their HTTP headers may carry
/// credentials, so `config show` prints none of their values.
let accessControlRoots: Set<String> = ["authentication", "authorization"]

extension BrokerConfig {
    /// Decodes the resolved tree; problems go to `context.sink`.
    init(tree: HOCONValue, file: String, context: DecodingContext) {
        self.init(file: file)
        var root = ObjectReader(tree, keyPath: "", context: context)
        if let value = root.value("listeners") {
            listeners = Self.listeners(value, context: context)
        } else {
            listeners = [ListenerType.tcp, .ssl, .ws, .wss].map { ListenerConfig.implicitDefault($0, context: context) }
        }
        if root.value("psk_authentication") != nil {
            var reader = root.object("psk_authentication")
            pskAuthentication = PSKAuthenticationConfig(&reader, context: context)
        }
        if root.value("mqtt") != nil {
            var reader = root.object("mqtt")
            mqtt = MQTTConfig(&reader)
        }
        if let value = root.value("authentication") {
            authentication = AuthenticatorConfig.chain(value, keyPath: "authentication", context: context)
        }
        if root.value("authorization") != nil {
            var reader = root.object("authorization")
            authorization = AuthorizationConfig(&reader, context: context)
        } else {
            authorization = .defaults(context: context)
        }
        if root.value("log") != nil {
            var reader = root.object("log")
            log = LogConfig(&reader)
        }
        if root.value("dashboard") != nil {
            var reader = root.object("dashboard")
            dashboard = DashboardConfig(&reader, context: context)
        }
        if root.value("crl_cache") != nil {
            var reader = root.object("crl_cache")
            crlCache = CRLCacheConfig(&reader)
        }
        if root.value("force_shutdown") != nil {
            var reader = root.object("force_shutdown")
            forceShutdown = ForceShutdownConfig(&reader)
        }
        if root.value("retainer") != nil {
            var reader = root.object("retainer")
            retainer = RetainerConfig(&reader, context: context)
        }
        for key in ["session_persistence", "durable_sessions"] where root.value(key) != nil {
            if key == "durable_sessions", root.object["session_persistence"] != nil {
                context.sink.report(
                    .invalidValue, .warning, root.keyLocation(key), key,
                    "both session_persistence and durable_sessions are written; durable_sessions (EMQX 5.7's name) is the one applied")
            }
            var reader = root.object(key)
            sessionPersistence = SessionPersistenceConfig(&reader)
        }
        for key in root.object.keys where !root.declared.contains(key) {
            root.declare([key])
            let location = root.object.keyLocation(key)
            if outboundRoots.contains(key), let value = root.object[key] {
                sslClients += Self.sslClients(in: value, keyPath: key, context: context)
                context.sink.report(
                    .rootNotChecked, .note, location, key, "not checked by emqxctl, except the TLS options of its ssl blocks")
            } else if EnvironmentOverrides.emqxRoots.contains(key) {
                context.sink.report(.rootNotChecked, .note, location, key, "not checked by emqxctl (its syntax is)")
            } else {
                // A near miss of a real root is almost certainly a typo that silently drops
                // settings, so it is an error; anything else is only a warning.
                let suggestion = Suggestion.closest(to: key, in: EnvironmentOverrides.emqxRoots)
                context.sink.report(
                    .unknownKey, suggestion == nil ? .warning : .error, location, key,
                    "\"\(key)\" is not a root of EMQX 5's config" + (suggestion.map { "; did you mean \"\($0)\"?" } ?? ""),
                    hint: "EMQX ignores unknown roots, so nothing under it takes effect"
                )
            }
        }
        sslClients = (authentication + listeners.flatMap(\.authentication)).compactMap(\.httpSSL) + sslClients
        ConfigRules.check(self, sink: context.sink)
    }

    private static func listeners(_ value: HOCONValue, context: DecodingContext) -> [ListenerConfig] {
        var reader = ObjectReader(value, keyPath: "listeners", context: context)
        var result: [ListenerConfig] = []
        for type in ListenerType.allCases {
            let typeValue = reader.value(type.rawValue)
            var names = ObjectReader(typeValue, keyPath: "listeners.\(type.rawValue)", context: context)
            var sawDefault = false
            for name in names.object.keys {
                names.declare([name])
                let listenerValue = names.object[name]!
                if name == "default" { sawDefault = true }
                if listenerValue.scalarText == "marked_for_deletion" { continue }
                guard Self.isValidName(name) else {
                    context.sink.report(
                        .listenerName, .error, names.object.keyLocation(name), names.path(name),
                        "\"\(name)\" is not a valid listener name",
                        hint: "use letters and digits, then letters, digits, - or _ (^[A-Za-z0-9]+[A-Za-z0-9-_]*$)"
                    )
                    continue
                }
                var listener = ObjectReader(listenerValue, keyPath: names.path(name), context: context)
                var config = ListenerConfig(type: type, name: name, reader: &listener, context: context)
                config.location = names.object.keyLocation(name)
                result.append(config)
            }
            names.finish()
            if !sawDefault && type != .quic {
                result.append(.implicitDefault(type, context: context))
            }
        }
        reader.finish()
        return result.sorted { ($0.type, $0.name) < ($1.type, $1.name) }
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIIAlphanumeric else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" || $0 == "_" }
    }

    /// Every object under a key named `ssl` below `value`; array elements are numbered from
    /// 1, as EMQX's paths are.
    private static func sslClients(in value: HOCONValue, keyPath: String, context: DecodingContext) -> [SSLClientConfig] {
        switch value.kind {
        case .object(let object):
            return object.keys.flatMap { key -> [SSLClientConfig] in
                let child = object[key]!
                let childPath = "\(keyPath).\(key)"
                if key == "ssl", child.object != nil {
                    var reader = ObjectReader(child, keyPath: childPath, context: context)
                    return [SSLClientConfig(&reader, context: context)]
                }
                return sslClients(in: child, keyPath: childPath, context: context)
            }
        case .array(let elements):
            return elements.enumerated().flatMap { sslClients(in: $1, keyPath: "\(keyPath).\($0 + 1)", context: context) }
        default:
            return []
        }
    }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
