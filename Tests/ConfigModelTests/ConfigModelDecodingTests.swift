import ConfigModel
import Testing

@Suite struct ConfigModelDecodingTests {
    func load(_ text: String, environment: [String: String] = [:]) -> ConfigLoadResult {
        ConfigLoader(environment: environment).load(text: text, path: "etc/emqx.conf")
    }

    @Test func implicitDefaultListenersAndTheirDefaults() throws {
        let result = load("node.name = \"emqx@127.0.0.1\"\n")
        let config = try #require(result.config)
        #expect(config.listeners.map(\.id) == ["tcp:default", "ssl:default", "ws:default", "wss:default"])
        #expect(config.listeners.allSatisfy { $0.isImplicit })
        let ssl = try #require(config.listener("ssl:default"))
        #expect(ssl.bind.value.description == "0.0.0.0:8883")
        #expect(ssl.sslOptions?.certfile.value == "etc/certs/cert.pem")
        #expect(ssl.sslOptions?.versions.value == [.tlsv1_3, .tlsv1_2])
        #expect(ssl.sslOptions?.verify == .verifyNone)
        #expect(ssl.sslOptions?.handshakeTimeout == .seconds(15))
        #expect(ssl.tcpOptions.backlog == 1024)
        #expect(config.servedListeners.map(\.id) == ["tcp:default", "ssl:default"])
        // Without authorization and without an acl.conf beside it, EMQX's shipped rules apply.
        #expect(result.diagnostics.map(\.code) == [.aclDefault, .rootNotChecked])
        #expect(config.authorization.sources.count == 1 && config.authorization.noMatch == .allow)
    }

    @Test func markedForDeletionAndDisabledListeners() throws {
        let config = try #require(
            load(
                """
                listeners.ssl.default = marked_for_deletion
                listeners.ws.default.enable = false
                listeners.tcp.internal { bind = "127.0.0.1:11883", enabled = false }
                """
            ).config
        )
        #expect(config.listener("ssl:default") == nil)
        #expect(config.listener("ws:default")?.enable == false)
        #expect(config.listener("tcp:internal")?.enable == false)  // `enabled` is an alias
    }

    @Test(arguments: [
        ("8883", "0.0.0.0:8883"), ("\":8883\"", "0.0.0.0:8883"), ("\"127.0.0.1:8883\"", "127.0.0.1:8883"),
        ("\"[::1]:8883\"", "[::1]:8883"), ("\"::1:8883\"", "[::1]:8883"), ("\" 10.0.0.1 : 8883 \"", "10.0.0.1:8883"),
    ])
    func bindForms(_ written: String, _ expected: String) throws {
        let result = load("listeners.tcp.default.bind = \(written)\n")
        #expect(
            result.config?.listener("tcp:default")?.bind.value.description == expected, "\(DiagnosticRenderer.render(result.diagnostics))")
    }

    @Test func accessRulesAreSplitAndNormalised() throws {
        let config = try #require(
            load("listeners.tcp.default.access_rules = [\"  allow 10.0.1.5/24 , deny all  \", \"allow ::1\"]\n").config)
        let rules = try #require(config.listener("tcp:default")?.accessRules)
        #expect(rules.map(\.description) == ["allow 10.0.1.0/24", "deny all", "allow ::1/128"])
        let network = try #require(rules[0].network)
        #expect(network.contains([10, 0, 1, 200]))
        #expect(!network.contains([10, 0, 2, 1]))
        #expect(!network.contains(Array(repeating: 0, count: 16)))
    }

    @Test(arguments: [
        ("15s", 15_000), ("1h30m", 5_400_000), ("1.5s", 1500), ("500ms", 500), ("15M", 900_000), ("2d", 172_800_000),
        ("1w", 604_800_000), ("1f", 1_209_600_000),
    ])
    func durations(_ text: String, _ milliseconds: Int64) {
        #expect(ConfigDuration(parsing: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["", "15", "15 s", "s", "1..5s", ".5s", "15x", "-5s"])
    func notDurations(_ text: String) {
        #expect(ConfigDuration(parsing: text) == nil)
    }

    @Test func byteSizes() {
        #expect(ConfigByteSize.parse("4KB") == 4096)
        #expect(ConfigByteSize.parse("4kb") == 4096)
        #expect(ConfigByteSize.parse("1MB") == 1 << 20)
        #expect(ConfigByteSize.parse("2GB") == 2 << 30)
        #expect(ConfigByteSize.parse("512") == 512)
        #expect(ConfigByteSize.parse("10b") == 10)
        for bad in ["4Kb", "4kB", "1.5MB", "4K", "MB", "-1", "99999999999999999999GB"] {
            #expect(ConfigByteSize.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func pathsExpandEMQXVariables() throws {
        let text = """
            listeners.ssl.default.ssl_options {
              certfile = "${EMQX_ETC_DIR}/certs/cert.pem"
              keyfile = "$EMQX_ETC_DIR/certs/key.pem"
              cacertfile = "${CERTS}/ca.pem"
            }
            """
        let ssl = try #require(load(text, environment: ["EMQX_ETC_DIR": "/opt/emqx/etc"]).config?.listener("ssl:default")?.sslOptions)
        #expect(ssl.certfile.value == "/opt/emqx/etc/certs/cert.pem")
        #expect(ssl.keyfile.value == "/opt/emqx/etc/certs/key.pem")
        let unset = load(text)
        #expect(unset.config?.listener("ssl:default")?.sslOptions?.certfile.value == "etc/certs/cert.pem")
        #expect(unset.diagnostics.contains { $0.code == .pathVariableUnset && $0.message.contains("CERTS") })
    }

    @Test func noEffectKeysAreNotesNotErrors() throws {
        let result = load(
            """
            listeners.ssl.default {
              acceptors = 16
              tcp_options { active_n = 100, high_watermark = 1MB }
              ssl_options { hibernate_after = 5s, log_level = notice, gc_after_handshake = false }
            }
            """
        )
        #expect(!result.hasErrors, "\(DiagnosticRenderer.render(result.diagnostics))")
        let notes = result.diagnostics.filter { $0.code == .noEffect }.compactMap(\.keyPath)
        #expect(notes.contains("listeners.ssl.default.acceptors"))
        #expect(notes.contains("listeners.ssl.default.tcp_options.active_n"))
        #expect(notes.contains("listeners.ssl.default.ssl_options.gc_after_handshake"))
    }

    @Test func sessionTicketsAreOnUnlessReuseSessionsIsOffAndSaidWhereTheyDoNothingOrMore() throws {
        let result = load(
            """
            listeners.ssl.default.ssl_options.session_tickets = disabled
            listeners.ssl.tls12 { bind = 8884, ssl_options { versions = ["tlsv1.2"], session_tickets = stateless } }
            listeners.ssl.noreuse { bind = 8885, ssl_options { reuse_sessions = false, session_tickets = stateless_with_cert } }
            listeners.ssl.implicit { bind = 8886 }
            listeners.ssl.implicitoff { bind = 8887, ssl_options { reuse_sessions = false, versions = ["tlsv1.2"] } }
            listeners.ssl.crl { bind = 8888, ssl_options { verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true } }
            listeners.ssl.crltickets {
              bind = 8889
              ssl_options { verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true, session_tickets = stateless }
            }
            """
        )
        let config = try #require(result.config)
        #expect(config.listener("ssl:default")?.sslOptions?.sessionTickets == SessionTickets.disabled)
        #expect(config.listener("ssl:noreuse")?.sslOptions?.sessionTickets == .statelessWithCert)
        #expect(config.listener("ssl:tls12")?.sslOptions?.sessionTickets == .stateless)
        #expect(config.listener("ssl:implicit")?.sslOptions?.sessionTickets == .stateless)
        #expect(config.listener("ssl:implicitoff")?.sslOptions?.sessionTickets == SessionTickets.disabled)
        #expect(config.listener("ssl:crl")?.sslOptions?.sessionTickets == SessionTickets.disabled)
        // Only where session_tickets is written: defaults never warn.
        let said = result.diagnostics.filter { $0.keyPath?.hasSuffix("session_tickets") == true }
            .sorted { ($0.location?.line ?? 0) < ($1.location?.line ?? 0) }
        #expect(said.map(\.code) == [.sessionTicketsTLS12, .sessionTicketsCRL])
        #expect(
            said.map(\.keyPath) == [
                "listeners.ssl.noreuse.ssl_options.session_tickets", "listeners.ssl.crltickets.ssl_options.session_tickets",
            ])
        #expect(said.map { $0.location?.line } == [3, 9])

        let psk = load("psk_authentication.enable = true\nlisteners.ssl.default.ssl_options.session_tickets = stateless\n")
        #expect(psk.diagnostics.filter { $0.code == .noEffect }.map(\.message).contains { $0.contains("psk_authentication") })
        let pskDefault = load("psk_authentication.enable = true\n")
        #expect(!pskDefault.diagnostics.contains { $0.keyPath?.hasSuffix("session_tickets") == true })
    }

    @Test func pskAuthenticationDefaultsAndEncoding() throws {
        let config = try #require(
            load("psk_authentication { enable = true, init_file = \"data/init.psk\", secret_encoding = hex }\n").config)
        #expect(config.pskAuthentication.enable)
        #expect(config.pskAuthentication.separator == ":")
        #expect(config.pskAuthentication.chunkSize == 50)
        #expect(config.pskAuthentication.secretEncoding == .hex)
        #expect(config.pskAuthentication.initFile?.value == "data/init.psk")
    }

    @Test func outboundSSLBlocksAreFoundWhereverTheyAre() throws {
        let result = load(
            """
            authentication = [{ backend = http, ssl { enable = true, verify = verify_peer, cacertfile = "ca.pem" } }]
            bridges.mqtt.cloud.ssl { enable = true, verify = verify_none }
            """
        )
        let clients = try #require(result.config?.sslClients)
        #expect(clients.map(\.keyPath) == ["authentication.1.ssl", "bridges.mqtt.cloud.ssl"])
        #expect(result.diagnostics.contains { $0.code == .verifyPeerWithoutRequirement && $0.keyPath == "bridges.mqtt.cloud.ssl" })
    }

    /// Cross-field rules point at the setting they are about, also when ssl_options is
    /// written as dotted keys (its object then starts at the first of them).
    @Test func crossFieldDiagnosticsPointAtTheirOwnKey() throws {
        let result = load(
            """
            listeners.ssl.default.ssl_options.certfile = "etc/certs/cert.pem"
            listeners.ssl.default.ssl_options.verify = verify_none
            listeners.ssl.default.ssl_options.fail_if_no_peer_cert = true
            listeners.ssl.default.ssl_options.enable_crl_check = true
            listeners.ssl.peer.bind = 8884
            listeners.ssl.peer.ssl_options.depth = 3
            listeners.ssl.peer.ssl_options.verify = verify_peer
            """
        )
        let lines = Dictionary(
            result.diagnostics.filter { [.verifyPeerRequired, .verifyPeerWithoutRequirement].contains($0.code) }
                .map { ($0.keyPath ?? "", $0.location?.line ?? 0) }, uniquingKeysWith: { first, _ in first })
        #expect(lines["listeners.ssl.default.ssl_options.fail_if_no_peer_cert"] == 3)
        #expect(lines["listeners.ssl.default.ssl_options.enable_crl_check"] == 4)
        #expect(lines["listeners.ssl.peer.ssl_options.verify"] == 7)
    }

    /// What a user relies on is either enforced or warned about: a deny rule and a PROXY
    /// header are applied by serve (nothing to say), a mountpoint is not (a warning).
    @Test func securitySettingsAreEnforcedOrWarnedAbout() throws {
        let enforced = load("listeners.tcp.default.access_rules = [\"deny all\"]\n")
        let aboutTheRule = enforced.diagnostics.filter { ($0.keyPath ?? "").hasPrefix("listeners.tcp") }
        #expect(aboutTheRule.isEmpty, "\(enforced.diagnostics)")
        let warned = load("listeners.tcp.default { proxy_protocol = true, mountpoint = \"tenant/\", enable_authn = true }\n")
        let said = warned.diagnostics.filter { $0.code == .noEffect }.sorted { $0.keyPath ?? "" < $1.keyPath ?? "" }
        #expect(said.map(\.keyPath) == ["listeners.tcp.default.mountpoint"])
        #expect(said.allSatisfy { $0.severity == .warning })
        let off = load("listeners.tcp.default { proxy_protocol = false, mountpoint = \"\", enable_authn = false }\n")
        #expect(off.diagnostics.filter { $0.code == .noEffect }.isEmpty, "\(off.diagnostics)")
    }
}
