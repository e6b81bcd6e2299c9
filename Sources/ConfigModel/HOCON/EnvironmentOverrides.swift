import Foundation

/// EMQX's environment overrides: `EMQX_LISTENERS__SSL__DEFAULT__BIND='"0.0.0.0:8883"'` sets
/// `listeners.ssl.default.bind`. The name after `EMQX_` is lower-cased and split at `__`; the
/// value is parsed as HOCON, and kept as a plain string when it does not parse.
enum EnvironmentOverrides {
    static let prefix = "EMQX_"

    /// The roots of EMQX 5.8's schema. An override for a root outside this list is ignored, as
    /// EMQX ignores it (`EMQX_ETC_DIR`, `EMQX_NODE_NAME` and friends are not overrides).
    static let emqxRoots: Set<String> = [
        "actions", "alarm", "api_key", "authentication", "authorization", "auto_subscribe", "bridges", "broker",
        "cluster", "conn_congestion", "connectors", "crl_cache", "dashboard", "delayed", "durable_sessions",
        "durable_storage", "exhook", "file_transfer", "flapping_detect", "force_gc", "force_shutdown", "gateway",
        "license", "limiter", "listeners", "log", "mqtt", "node", "opentelemetry", "overload_protection", "plugins",
        "prometheus", "psk_authentication", "retainer", "rewrite", "rpc", "rule_engine", "schema_registry",
        "session_persistence", "slow_subs", "sources", "stats", "sys_topics", "sysmon", "telemetry", "topic_metrics",
        "trace", "zones",
    ]

    /// The overrides in `environment`, sorted by name so that they apply in a stable order.
    static func overrides(in environment: [String: String]) -> [(name: String, path: [String], value: String)] {
        environment.keys.sorted().compactMap { name in
            guard name.hasPrefix(prefix) else { return nil }
            let rest = name.dropFirst(prefix.count).lowercased()
            let path = rest.components(separatedBy: "__")
            guard path.count >= 1, let root = path.first, emqxRoots.contains(root), path.allSatisfy({ !$0.isEmpty }) else {
                return nil
            }
            return (name, path, environment[name]!)
        }
    }

    /// Applies the overrides to `resolver`.
    static func apply(_ environment: [String: String], to resolver: inout HOCONResolver) {
        for (name, path, text) in overrides(in: environment) {
            let file = "env \(name)"
            let location = SourceLocation(file: file, line: 1, column: 1)
            let value =
                HOCONParser.parseValue(text, file: file)
                ?? HOCONSyntax.Value(parts: [.scalar(text, quoted: true, location)], location: location)
            resolver.override(path: path, value: value, location: location)
        }
    }
}
