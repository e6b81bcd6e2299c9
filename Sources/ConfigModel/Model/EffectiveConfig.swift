import Foundation

/// `config show`: the effective config as HOCON, with every default filled in for the roots
/// emqxctl models and secrets replaced by `******`. Other roots are printed as resolved.
public enum EffectiveConfig {
    public static func render(_ config: BrokerConfig, tree: HOCONValue) -> String {
        var roots: [(String, Node)] = [
            ("listeners", listeners(config)), ("psk_authentication", psk(config.pskAuthentication)),
            ("crl_cache", crlCache(config.crlCache)), ("force_shutdown", forceShutdown(config.forceShutdown)),
            ("retainer", retainer(config.retainer)),
        ]
        for key in tree.object?.keys ?? [] where !roots.contains(where: { $0.0 == key }) {
            roots.append((key, node(tree.object![key]!, key: key, underAccessControl: accessControlRoots.contains(key))))
        }
        return roots.map { key, value in
            let separator = if case .object = value { " " } else { " = " }
            return "\(quoteKey(key))\(separator)\(write(value, indent: 0))\n"
        }.joined()
    }

    indirect enum Node {
        case object([(String, Node)])
        case array([Node])
        case text(String)
        case literal(String)
    }

    private static func listeners(_ config: BrokerConfig) -> Node {
        let types = ListenerType.allCases.compactMap { type -> (String, Node)? in
            // An implicit listener serve does not run (ws, wss) is left out: loaded again, it
            // is added implicitly again, while written out it would be checked as the user's.
            let named = config.listeners.filter { $0.type == type && !($0.isImplicit && !type.servesImplicitDefault) }
            guard !named.isEmpty else { return nil }
            return (type.rawValue, .object(named.map { ($0.name, listener($0)) }))
        }
        return .object(types)
    }

    private static func listener(_ listener: ListenerConfig) -> Node {
        var fields: [(String, Node)] = [
            ("enable", .literal("\(listener.enable)")),
            ("bind", .text(listener.bind.value.description)),
            ("max_connections", .literal(listener.maxConnections.map(String.init) ?? "infinity")),
            ("access_rules", .array(listener.accessRules.map { .text($0.description) })),
            ("proxy_protocol", .literal("\(listener.proxyProtocol)")),
            ("proxy_protocol_timeout", .literal(listener.proxyProtocolTimeout.description)),
            ("mountpoint", .text(listener.mountpoint)),
        ]
        if listener.type != .quic {
            let tcp = listener.tcpOptions
            var tcpFields: [(String, Node)] = [
                ("backlog", .literal("\(tcp.backlog)")), ("send_timeout", .literal(tcp.sendTimeout.description)),
                ("nodelay", .literal("\(tcp.nodelay)")), ("nolinger", .literal("\(tcp.nolinger)")),
                ("reuseaddr", .literal("\(tcp.reuseaddr)")), ("keepalive", .text(tcp.keepalive)),
                ("high_watermark", .literal(ConfigByteSize.render(tcp.highWatermark))),
            ]
            if let recbuf = tcp.recbuf { tcpFields.append(("recbuf", .literal(ConfigByteSize.render(recbuf)))) }
            if let sndbuf = tcp.sndbuf { tcpFields.append(("sndbuf", .literal(ConfigByteSize.render(sndbuf)))) }
            fields.append(("tcp_options", .object(tcpFields)))
        }
        if let ssl = listener.sslOptions { fields.append(("ssl_options", sslOptions(ssl, type: listener.type))) }
        return .object(fields)
    }

    private static func sslOptions(_ ssl: SSLOptions, type: ListenerType) -> Node {
        var fields: [(String, Node)] = [
            ("certfile", .text(ssl.certfile.value)), ("keyfile", .text(ssl.keyfile.value)),
            ("cacertfile", .text(ssl.cacertfile.value)),
        ]
        if ssl.password != nil { fields.append(("password", .text("******"))) }
        fields += [
            ("verify", .literal(ssl.verify.rawValue)), ("fail_if_no_peer_cert", .literal("\(ssl.failIfNoPeerCert)")),
            ("depth", .literal("\(ssl.depth)")), ("versions", .array(ssl.versions.value.map { .text($0.rawValue) })),
            ("ciphers", .array(ssl.ciphers.value.map { .text($0) })),
            ("honor_cipher_order", .literal("\(ssl.honorCipherOrder)")),
            ("secure_renegotiate", .literal("\(ssl.secureRenegotiate)")),
            ("client_renegotiation", .literal("\(ssl.clientRenegotiation)")),
            ("reuse_sessions", .literal("\(ssl.reuseSessions)")),

            ("handshake_timeout", .literal(ssl.handshakeTimeout.description)),
        ]
        // Only as written: its default follows reuse_sessions and enable_crl_check, and
        // written out it would draw the warnings config check gives a written one.
        if ssl.sessionTicketsLocation != nil { fields.append(("session_tickets", .literal(ssl.sessionTickets.rawValue))) }
        if let dhfile = ssl.dhfile { fields.append(("dhfile", .text(dhfile.value))) }
        if type == .ssl {
            fields.append(("enable_crl_check", .literal("\(ssl.enableCRLCheck)")))
            if let crlfile = ssl.crlfile { fields.append(("crlfile", .text(crlfile.value))) }
            fields.append(("crl_unavailable", .literal(ssl.crlUnavailable.rawValue)))
            let ocsp = ssl.ocsp ?? OCSPConfig()
            var ocspFields: [(String, Node)] = [("enable_ocsp_stapling", .literal("\(ocsp.enableOCSPStapling)"))]
            if let url = ocsp.responderURL { ocspFields.append(("responder_url", .text(url.value))) }
            if let issuer = ocsp.issuerPEM { ocspFields.append(("issuer_pem", .text(issuer.value))) }
            ocspFields += [
                ("refresh_interval", .literal(ocsp.refreshInterval.description)),
                ("refresh_http_timeout", .literal(ocsp.refreshHTTPTimeout.description)),
            ]
            fields.append(("ocsp", .object(ocspFields)))
        }
        return .object(fields)
    }

    private static func psk(_ psk: PSKAuthenticationConfig) -> Node {
        var fields: [(String, Node)] = [("enable", .literal("\(psk.enable)"))]
        if let file = psk.initFile { fields.append(("init_file", .text(file.value))) }
        fields += [
            ("separator", .text(psk.separator)), ("chunk_size", .literal("\(psk.chunkSize)")),
            ("secret_encoding", .literal(psk.secretEncoding.rawValue)),
        ]
        return .object(fields)
    }

    private static func mqtt(_ mqtt: MQTTConfig) -> Node {
        func count(_ value: Int) -> Node { value == 0 ? .literal("infinity") : .literal("\(value)") }
        return .object([
            ("idle_timeout", .literal(mqtt.idleTimeout.description)),
            ("max_packet_size", .literal(ConfigByteSize.render(mqtt.maxPacketSize))),
            ("max_clientid_len", .literal("\(mqtt.maxClientIDLength)")), ("max_topic_levels", .literal("\(mqtt.maxTopicLevels)")),
            ("max_qos_allowed", .literal("\(mqtt.maxQoSAllowed)")), ("max_topic_alias", .literal("\(mqtt.maxTopicAlias)")),
            ("retain_available", .literal("\(mqtt.retainAvailable)")), ("wildcard_subscription", .literal("\(mqtt.wildcardSubscription)")),
            ("shared_subscription", .literal("\(mqtt.sharedSubscription)")),
            ("server_keepalive", .literal(mqtt.serverKeepAlive.map(String.init) ?? "disabled")),
            ("keepalive_multiplier", .literal("\(mqtt.keepaliveMultiplier)")), ("max_inflight", .literal("\(mqtt.maxInflight)")),
            ("retry_interval", .literal(mqtt.retryInterval.description)), ("max_awaiting_rel", count(mqtt.maxAwaitingRel)),
            ("await_rel_timeout", .literal(mqtt.awaitRelTimeout.description)),
            ("session_expiry_interval", .literal(mqtt.sessionExpiryInterval.description)), ("max_mqueue_len", count(mqtt.maxMqueueLength)),
            ("mqueue_store_qos0", .literal("\(mqtt.mqueueStoreQoS0)")), ("upgrade_qos", .literal("\(mqtt.upgradeQoS)")),
            ("ignore_loop_deliver", .literal("\(mqtt.ignoreLoopDeliver)")), ("strict_mode", .literal("\(mqtt.strictMode)")),
        ])
    }

    private static func forceShutdown(_ settings: ForceShutdownConfig) -> Node {
        .object([
            ("enable", .literal("\(settings.enable)")), ("max_mailbox_size", .literal("\(settings.maxMailboxSize)")),
            ("max_heap_size", .literal(ConfigByteSize.render(settings.maxHeapSize))),
        ])
    }

    private static func retainer(_ settings: RetainerConfig) -> Node {
        .object([
            ("enable", .literal("\(settings.enable)")), ("msg_expiry_interval", .literal(settings.msgExpiryInterval.description)),
            ("msg_clear_interval", .literal(settings.msgClearInterval.description)),
            ("max_payload_size", .literal(ConfigByteSize.render(settings.maxPayloadSize))),
            ("stop_publish_clear_msg", .literal("\(settings.stopPublishClearMsg)")),
            (
                "backend",
                .object([
                    ("type", .literal("built_in_database")), ("storage_type", .literal(settings.storageType.rawValue)),
                    ("max_retained_messages", .literal("\(settings.maxRetainedMessages)")),
                ])
            ),
        ])
    }

    private static func crlCache(_ cache: CRLCacheConfig) -> Node {
        .object([
            ("refresh_interval", .literal(cache.refreshInterval.description)),
            ("http_timeout", .literal(cache.httpTimeout.description)), ("capacity", .literal("\(cache.capacity)")),
        ])
    }

    /// Keys whose values are never printed: a name that says secret, password, token, key,
    /// cookie, credential or psk as one of its words (`api_key`, `x-api-key`, `secret_key`;
    /// not `keyfile`, a path).
    static func isSecret(_ key: String) -> Bool {
        let words = key.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        let secretWords: Set<Substring> = ["password", "passwd", "secret", "token", "key", "cookie", "credential", "credentials", "psk"]
        return words.contains { secretWords.contains($0) } || ["private_key", "api_key"].contains(key.lowercased())
    }

    /// `headers` of an HTTP backend under authentication or authorization: every value may
    /// carry a credential (`authorization = "Bearer …"`), so none is printed.
    private static func node(_ value: HOCONValue, key: String, inHeaders: Bool = false, underAccessControl: Bool = false) -> Node {
        if (isSecret(key) || inHeaders), value.object == nil { return .text("******") }
        switch value.kind {
        case .object(let object):
            return .object(
                object.keys.map {
                    (
                        $0,
                        node(
                            object[$0]!, key: $0, inHeaders: inHeaders || (underAccessControl && $0 == "headers"),
                            underAccessControl: underAccessControl)
                    )
                })
        case .array(let elements):
            return .array(elements.map { node($0, key: key, inHeaders: inHeaders, underAccessControl: underAccessControl) })
        case .string(let text): return .text(text)
        case .number(let text): return .literal(text)
        case .bool(let flag): return .literal("\(flag)")
        case .null: return .literal("null")
        }
    }

    private static func write(_ node: Node, indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        switch node {
        case .object(let fields):
            guard !fields.isEmpty else { return "{}" }
            let body = fields.map { key, value -> String in
                let separator = if case .object = value { " " } else { " = " }
                return "\(pad)\(quoteKey(key))\(separator)\(write(value, indent: indent + 1))"
            }
            return "{\n" + body.joined(separator: "\n") + "\n" + String(repeating: "  ", count: indent) + "}"
        case .array(let elements):
            return "[" + elements.map { write($0, indent: indent) }.joined(separator: ", ") + "]"
        case .text(let text): return quote(text)
        case .literal(let text): return text
        }
    }

    static func quote(_ text: String) -> String { QuotedString.json(text) }

    private static func quoteKey(_ key: String) -> String {
        key.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" || $0 == "-" } && !key.isEmpty ? key : quote(key)
    }
}
