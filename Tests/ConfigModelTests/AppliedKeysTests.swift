import Testing

@testable import ConfigModel

/// Nothing accepted that is not enforced: every key the config model reads is either applied
/// by `serve` (the list below, each with the tests that show it) or declared not applied, in
/// which case `config check` says so when the key is written (a note for tuning, a warning
/// for what users rely on). A key added to the model in neither group fails this test.
@Suite struct AppliedKeysTests {
    /// Every key serve applies, as schema paths (`listeners.*.*` is any tcp or ssl listener),
    /// with where it is shown.
    static let applied: Set<String> = [
        // Roots and the listener tree.
        "listeners", "listeners.tcp", "listeners.ssl", "mqtt", "psk_authentication", "crl_cache", "force_shutdown",
        // BrokerCoreTests (a busy connection holding too much is closed).
        "force_shutdown.enable", "force_shutdown.max_mailbox_size", "force_shutdown.max_heap_size",
        // ServeTests, TLSServeTests, ListenerControlsServeTests (access_rules, max_connections).
        "listeners.*.*.enable", "listeners.*.*.bind", "listeners.*.*.max_connections", "listeners.*.*.access_rules",
        // ProxyProtocolServeTests, HAProxyServeTests.
        "listeners.*.*.proxy_protocol", "listeners.*.*.proxy_protocol_timeout",
        // ConnectionLimitsServeTests, ConnectionRateLimiterTests, Benchmarks/storm.sh.
        "listeners.*.*.max_conn_rate", "listeners.*.*.max_conn_burst",
        // TCPOptionsServeTests: socket options seen with ss, nolinger as a reset, send_timeout
        // closing a client that stopped reading (high_watermark is its threshold).
        "listeners.*.*.tcp_options", "listeners.*.*.tcp_options.backlog", "listeners.*.*.tcp_options.reuseaddr",
        "listeners.*.*.tcp_options.nodelay", "listeners.*.*.tcp_options.recbuf", "listeners.*.*.tcp_options.sndbuf",
        "listeners.*.*.tcp_options.keepalive", "listeners.*.*.tcp_options.nolinger", "listeners.*.*.tcp_options.send_timeout",
        "listeners.*.*.tcp_options.high_watermark",
        // TLSServeTests (versions, ciphers, verify, files, password), TLSSessionResumptionTests,
        // TimeoutServeTests (handshake_timeout), TCPOptionsServeTests (dhfile).
        "listeners.*.*.ssl_options", "listeners.*.*.ssl_options.certfile", "listeners.*.*.ssl_options.keyfile",
        "listeners.*.*.ssl_options.cacertfile", "listeners.*.*.ssl_options.password", "listeners.*.*.ssl_options.verify",
        "listeners.*.*.ssl_options.fail_if_no_peer_cert", "listeners.*.*.ssl_options.depth", "listeners.*.*.ssl_options.versions",
        "listeners.*.*.ssl_options.ciphers", "listeners.*.*.ssl_options.honor_cipher_order",
        "listeners.*.*.ssl_options.secure_renegotiate", "listeners.*.*.ssl_options.client_renegotiation",
        "listeners.*.*.ssl_options.reuse_sessions", "listeners.*.*.ssl_options.session_tickets",
        "listeners.*.*.ssl_options.handshake_timeout", "listeners.*.*.ssl_options.dhfile",
        // OCSPStaplingServeTests, CRLServeTests.
        "listeners.*.*.ssl_options.ocsp", "listeners.*.*.ssl_options.ocsp.enable_ocsp_stapling",
        "listeners.*.*.ssl_options.ocsp.responder_url", "listeners.*.*.ssl_options.ocsp.issuer_pem",
        "listeners.*.*.ssl_options.ocsp.refresh_interval", "listeners.*.*.ssl_options.ocsp.refresh_http_timeout",
        "listeners.*.*.ssl_options.enable_crl_check", "listeners.*.*.ssl_options.crlfile", "listeners.*.*.ssl_options.crl_unavailable",
        "crl_cache.refresh_interval", "crl_cache.http_timeout", "crl_cache.capacity",
        // TLSPSKServeTests, PSKCommandTests.
        "psk_authentication.enable", "psk_authentication.init_file", "psk_authentication.separator",
        "psk_authentication.chunk_size", "psk_authentication.secret_encoding",
        // paho_features.py (ServeTests), protocol_limits.py, timeouts.py, BrokerTests.
        "mqtt.idle_timeout", "mqtt.max_packet_size", "mqtt.max_clientid_len", "mqtt.max_topic_levels", "mqtt.max_qos_allowed",
        "mqtt.max_topic_alias", "mqtt.retain_available", "mqtt.wildcard_subscription", "mqtt.shared_subscription",
        "mqtt.server_keepalive", "mqtt.keepalive_multiplier", "mqtt.max_inflight", "mqtt.retry_interval", "mqtt.max_awaiting_rel",
        "mqtt.await_rel_timeout", "mqtt.session_expiry_interval", "mqtt.max_mqueue_len", "mqtt.mqueue_store_qos0",
        "mqtt.upgrade_qos", "mqtt.ignore_loop_deliver", "mqtt.strict_mode",
        // AuthenticationServeTests: the chain, global and per listener, with enable_authn; the
        // http backend (https with mTLS, placeholders, timeouts); the built-in database
        // (every hash, bootstrap_file); identity from certificates and PSK.
        "authentication", "listeners.*.*.authentication", "listeners.*.*.enable_authn",
        "authentication.*.enable", "authentication.*.mechanism", "authentication.*.backend",
        "authentication.*.method", "authentication.*.url", "authentication.*.headers", "authentication.*.body",
        "authentication.*.request_timeout", "authentication.*.connect_timeout", "authentication.*.pool_size",
        "authentication.*.ssl", "authentication.*.ssl.enable", "authentication.*.ssl.certfile", "authentication.*.ssl.keyfile",
        "authentication.*.ssl.cacertfile", "authentication.*.ssl.password", "authentication.*.ssl.verify",
        "authentication.*.ssl.server_name_indication", "authentication.*.ssl.versions", "authentication.*.ssl.ciphers",
        "authentication.*.ssl.depth",
        "authentication.*.user_id_type", "authentication.*.password_hash_algorithm", "authentication.*.password_hash_algorithm.name",
        "authentication.*.password_hash_algorithm.salt_position", "authentication.*.bootstrap_file", "authentication.*.bootstrap_type",
        "mqtt.peer_cert_as_username", "mqtt.peer_cert_as_clientid", "mqtt.psk_identity_as_username", "mqtt.psk_identity_as_clientid",
        "mqtt.use_username_as_clientid",
        // AuthorizationServeTests, ACLFileTests, BrokerTests: acl.conf and the built-in database's
        // rules, no_match, deny_action, and the cache.
        "authorization", "authorization.no_match", "authorization.deny_action", "authorization.cache",
        "authorization.cache.enable", "authorization.cache.max_size", "authorization.cache.ttl", "authorization.cache.excludes",
        "authorization.sources", "authorization.sources.*.enable", "authorization.sources.*.type", "authorization.sources.*.path",
        "authorization.sources.*.max_rules",
        // WebSocketServeTests: ws and wss, the upgrade's path, subprotocols and origins,
        // permessage-deflate (websockets and Chromium) and the idle timeout.
        "listeners.ws", "listeners.wss", "listeners.*.*.websocket", "listeners.*.*.websocket.mqtt_path",
        "listeners.*.*.websocket.max_frame_size",
        "listeners.*.*.websocket.fail_if_no_subprotocol", "listeners.*.*.websocket.supported_subprotocols",
        "listeners.*.*.websocket.check_origin_enable", "listeners.*.*.websocket.allow_origin_absence",
        "listeners.*.*.websocket.check_origins", "listeners.*.*.websocket.proxy_address_header",
        "listeners.*.*.websocket.proxy_port_header", "listeners.*.*.websocket.compress", "listeners.*.*.websocket.idle_timeout",
        "listeners.*.*.websocket.deflate_opts", "listeners.*.*.websocket.deflate_opts.level",
        "listeners.*.*.websocket.deflate_opts.mem_level", "listeners.*.*.websocket.deflate_opts.strategy",
        "listeners.*.*.websocket.deflate_opts.server_context_takeover", "listeners.*.*.websocket.deflate_opts.client_context_takeover",
        "listeners.*.*.websocket.deflate_opts.server_max_window_bits", "listeners.*.*.websocket.deflate_opts.client_max_window_bits",
        // LogFormatServeTests.
        "log", "log.console", "log.console.formatter",
        // AdminEndpointServeTests (http), AdminHTTPSServeTests (https with its ssl_options).
        "dashboard", "dashboard.listeners", "dashboard.listeners.http", "dashboard.listeners.http.enable",
        "dashboard.listeners.http.bind", "dashboard.listeners.https", "dashboard.listeners.https.enable",
        "dashboard.listeners.https.bind", "dashboard.listeners.https.ssl_options",
        "dashboard.listeners.https.ssl_options.certfile", "dashboard.listeners.https.ssl_options.keyfile",
        "dashboard.listeners.https.ssl_options.cacertfile", "dashboard.listeners.https.ssl_options.password",
        "dashboard.listeners.https.ssl_options.verify", "dashboard.listeners.https.ssl_options.fail_if_no_peer_cert",
        "dashboard.listeners.https.ssl_options.depth", "dashboard.listeners.https.ssl_options.versions",
        "dashboard.listeners.https.ssl_options.ciphers", "dashboard.listeners.https.ssl_options.honor_cipher_order",
        "dashboard.listeners.https.ssl_options.secure_renegotiate", "dashboard.listeners.https.ssl_options.client_renegotiation",
        "dashboard.listeners.https.ssl_options.reuse_sessions", "dashboard.listeners.https.ssl_options.session_tickets",
        "dashboard.listeners.https.ssl_options.handshake_timeout", "dashboard.listeners.https.ssl_options.dhfile",
        // RetainerTests (BrokerCoreTests: enable, sizes, count, expiry, the sweep, clearing),
        // PersistenceServeTests (disc survives a restart and kill -9).
        "retainer", "retainer.enable", "retainer.msg_expiry_interval", "retainer.msg_clear_interval", "retainer.max_payload_size",
        "retainer.stop_publish_clear_msg", "retainer.backend", "retainer.backend.type", "retainer.backend.storage_type",
        "retainer.backend.max_retained_messages",
        // PersistenceServeTests, DurableSessionTests, BrokerStateStoreTests.
        "session_persistence", "session_persistence.enable",
    ]

    /// Keys the model looks up only to refuse them (an error when written): the OCSP and CRL
    /// options, which exist on ssl listeners only, under the admin endpoint's https.
    static let refused: Set<String> = [
        "dashboard.listeners.https.ssl_options.ocsp", "dashboard.listeners.https.ssl_options.gc_after_handshake",
        "dashboard.listeners.https.ssl_options.enable_crl_check", "dashboard.listeners.https.ssl_options.crlfile",
        "dashboard.listeners.https.ssl_options.crl_unavailable",
    ]

    /// A config that makes the model look for every key it knows: an ssl listener with an
    /// ocsp block, and every root it reads.
    static let everything = """
        listeners.tcp.default { bind = "127.0.0.1:1883" }
        listeners.ssl.default { bind = 8883, ssl_options { ocsp { enable_ocsp_stapling = false } } }
        listeners.ws.default { bind = 8083 }
        listeners.quic.default { bind = 14567 }
        mqtt {}
        psk_authentication {}
        crl_cache {}
        force_shutdown {}
        retainer { backend {} }
        session_persistence {}
        log.console { formatter = json, level = debug }
        log.file.default.enable = false
        dashboard {
          listeners.http { bind = 18083 }
          listeners.https { bind = "127.0.0.1:18084", ssl_options { certfile = "c.pem" } }
          default_password = "public"
        }
        authorization {
          no_match = deny, deny_action = disconnect, cache { enable = true, max_size = 64, ttl = 1m, excludes = ["a/#"] }
          sources = [{ type = file, path = "acl.conf" }, { type = built_in_database, max_rules = 10 }]
        }
        authentication = [
          { mechanism = password_based, backend = http, method = post, url = "https://a", ssl { enable = true } }
          { mechanism = password_based, backend = built_in_database, password_hash_algorithm { name = sha256 } }
        ]
        """

    /// The schema path of a key path: the type and name of a tcp or ssl listener become `*`.
    static func schemaPath(_ path: String) -> String? {
        // Elements of an authentication chain: `authentication.2.url` is `authentication.*.url`.
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) == nil ? String($0) : "*" }
        guard parts.first == "listeners", parts.count >= 2 else { return parts.joined(separator: ".") }
        // quic listeners are not served: config check says so of each as a whole.
        guard parts[1] != "quic" else { return nil }
        guard parts.count >= 3 else { return path }
        return (["listeners", "*", "*"] + parts.dropFirst(3)).joined(separator: ".")
    }

    @Test func everyKeyIsAppliedOrReportedAsNotApplied() throws {
        let result = ConfigLoader(environment: [:]).load(text: Self.everything, path: "emqx.conf")
        let modelled: Set<String> = [
            "listeners", "mqtt", "psk_authentication", "crl_cache", "force_shutdown", "authentication", "authorization", "log",
            "dashboard", "retainer", "session_persistence",
        ]
        var seen: Set<String> = []
        for (path, status) in result.ledger.entries {
            guard modelled.contains(String(path.prefix { $0 != "." })), let schema = Self.schemaPath(path),
                !Self.refused.contains(schema)
            else { continue }
            seen.insert(schema)
            switch status {
            case .applied:
                let listed = Self.applied.contains(schema)
                #expect(listed, "\(schema) is read by the model but neither applied by serve nor reported")
            case .notApplied(let severity):
                let listed = Self.applied.contains(schema)
                #expect(!listed, "\(schema) is listed as applied but declared not applied")
                #expect(severity != .error)
            }
        }
        let stale = Self.applied.subtracting(seen)
        #expect(stale.isEmpty, "listed as applied but never read: \(stale.sorted())")
        // A root the model does not read key by key is reported as a whole.
        let withBridges = ConfigLoader(environment: [:]).load(text: "bridges.mqtt.b.server = \"a:1883\"\n", path: "emqx.conf")
        #expect(withBridges.diagnostics.contains { $0.code == .rootNotChecked && $0.keyPath == "bridges" && $0.severity == .note })
    }

    /// Each key declared not applied is reported when written, with its severity.
    @Test func writtenKeysThatAreNotAppliedAreReported() throws {
        let result = ConfigLoader(environment: [:]).load(text: Self.everything, path: "emqx.conf")
        let notApplied = result.ledger.entries.compactMap { path, status -> (String, Diagnostic.Severity)? in
            guard case .notApplied(let severity) = status, path.hasPrefix("listeners.tcp.default.") || path.hasPrefix("mqtt.") else {
                return nil
            }
            return (path, severity)
        }
        #expect(notApplied.count >= 15)
        for (path, severity) in notApplied {
            let (parent, key) =
                path.hasPrefix("mqtt.")
                ? ("mqtt", String(path.dropFirst(5)))
                : ("listeners.tcp.default", path.split(separator: ".").dropFirst(3).joined(separator: "."))
            // A value that asks for something: true for flags, a name or a number otherwise.
            let value =
                ["proxy_protocol", "enable_authn", "tcp_options.send_timeout_close", "mqtt.exclusive_subscription"].contains(key)
                ? "true" : "\"x\""
            let text = key == "tcp_options.send_timeout_close" ? "\(parent).\(key) = false" : "\(parent).\(key) = \(value)"
            let written = ConfigLoader(environment: [:]).load(
                text: text + "\nlisteners.ssl.default = marked_for_deletion\n", path: "emqx.conf")
            let said = written.diagnostics.filter { $0.code == .noEffect && $0.keyPath == path }
            #expect(said.map(\.severity) == [severity], "\(text): \(written.diagnostics)")
        }
    }
}
