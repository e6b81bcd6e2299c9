import Testing

@testable import ConfigModel

/// A ws or wss listener's `websocket` block: EMQX's defaults, and what config check says of
/// a path, subprotocols and origins that cannot work.
struct WebSocketConfigTests {
    func load(_ text: String) -> ConfigLoadResult {
        ConfigLoader(environment: [:]).load(text: text, path: "emqx.conf")
    }

    @Test func emqxDefaults() throws {
        let config = try #require(load("listeners.ws.default.bind = 8083\n").config)
        let websocket = try #require(config.listener("ws:default")?.websocket)
        #expect(websocket == WebSocketConfig())
        #expect(websocket.mqttPath == "/mqtt")
        #expect(websocket.supportedSubprotocols == ["mqtt", "mqtt-v3", "mqtt-v3.1.1", "mqtt-v5"])
        #expect(websocket.failIfNoSubprotocol && !websocket.checkOriginEnable && websocket.allowOriginAbsence)
        #expect(websocket.maxFrameSize == nil)
        #expect(config.listener("tcp:default")?.websocket == nil)
    }

    @Test func readsTheBlock() throws {
        let result = load(
            """
            listeners.wss.default.websocket {
              mqtt_path = "/ws", mqtt_piggyback = single, compress = true, idle_timeout = 30s
              max_frame_size = 64KB, fail_if_no_subprotocol = false
              supported_subprotocols = "mqtt, mqtt-v5"
              check_origin_enable = true, allow_origin_absence = false
              check_origins = "https://app.example.com, http://localhost:8080"
              proxy_address_header = X-Real-IP
            }
            """)
        let websocket = try #require(result.config?.listener("wss:default")?.websocket)
        #expect(websocket.mqttPath == "/ws")
        #expect(websocket.maxFrameSize == 65536 && !websocket.failIfNoSubprotocol)
        #expect(websocket.supportedSubprotocols == ["mqtt", "mqtt-v5"])
        #expect(websocket.checkOrigins == ["https://app.example.com", "http://localhost:8080"])
        #expect(websocket.proxyAddressHeader == "x-real-ip")
        #expect(websocket.compress && websocket.idleTimeout == .seconds(30))
        // What serve does not apply is said: a note for mqtt_piggyback.
        let said = result.diagnostics.filter { $0.keyPath?.contains("websocket") == true }
        #expect(said.filter { $0.severity == .note }.map(\.keyPath) == ["listeners.wss.default.websocket.mqtt_piggyback"], "\(said)")
        #expect(!said.contains { $0.severity != .note })
    }

    @Test func compressionAndIdleTimeout() throws {
        let result = load(
            """
            listeners.ws.default.websocket {
              compress = true, idle_timeout = infinity
              deflate_opts {
                level = best_speed, mem_level = 4, strategy = huffman_only
                server_context_takeover = no_takeover, client_context_takeover = no_takeover
                server_max_window_bits = 10, client_max_window_bits = 11
              }
            }
            """)
        let websocket = try #require(result.config?.listener("ws:default")?.websocket)
        #expect(websocket.idleTimeout == nil)
        var expected = DeflateOptions()
        expected.level = .best_speed
        expected.memLevel = 4
        expected.strategy = .huffman_only
        expected.serverContextTakeover = false
        expected.clientContextTakeover = false
        expected.serverMaxWindowBits = 10
        expected.clientMaxWindowBits = 11
        #expect(websocket.deflate == expected)
        #expect(!result.diagnostics.contains { $0.keyPath?.contains("websocket") == true }, "\(result.diagnostics)")
        #expect(DeflateOptions().level.zlibLevel == -1 && DeflateOptions().memLevel == 8 && DeflateOptions().serverMaxWindowBits == 15)

        let wrong = load(
            """
            listeners.ws.default.websocket {
              idle_timeout = 0s
              deflate_opts { level = fastest, mem_level = 10, server_context_takeover = yes, server_max_window_bits = 8 }
            }
            """)
        let errors = wrong.diagnostics.filter { $0.severity == .error }.compactMap(\.keyPath)
        #expect(
            Set(errors) == [
                "listeners.ws.default.websocket.idle_timeout", "listeners.ws.default.websocket.deflate_opts.level",
                "listeners.ws.default.websocket.deflate_opts.mem_level",
                "listeners.ws.default.websocket.deflate_opts.server_context_takeover",
            ], "\(wrong.diagnostics)")
        let notes = wrong.diagnostics.filter { $0.severity == .note }.map(\.message)
        #expect(notes.contains { $0.contains("8-bit window") }, "\(notes)")
        #expect(notes.contains { $0.contains("no effect while compress is false") }, "\(notes)")
        #expect(wrong.config?.listener("ws:default")?.websocket?.deflate.serverMaxWindowBits == 9)
    }

    @Test func refusesWhatCannotWork() throws {
        let result = load(
            """
            listeners.ws.default.websocket {
              mqtt_path = "mqtt"
              supported_subprotocols = "mqtt, mqtt-v4"
              check_origins = "app.example.com, https://ok.example.com, https://bad.example.com/path"
            }
            """)
        let problems = result.diagnostics.filter { $0.keyPath?.contains("websocket") == true }
        #expect(problems.contains { $0.keyPath == "listeners.ws.default.websocket.mqtt_path" && $0.severity == .error })
        #expect(problems.contains { $0.message.contains("\"mqtt-v4\"") && $0.severity == .warning })
        #expect(problems.filter { $0.keyPath == "listeners.ws.default.websocket.check_origins" && $0.severity == .error }.count == 2)
        #expect(problems.allSatisfy { $0.location != nil }, "\(problems)")
        let typo = load("listeners.ws.default.websocket.mqtt_pth = \"/x\"\n")
        #expect(typo.diagnostics.contains { $0.keyPath == "listeners.ws.default.websocket.mqtt_pth" && $0.severity != .note })
    }
}
