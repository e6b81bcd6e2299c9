import EmqxTestSupport
import Foundation
import Testing

/// MQTT over WebSocket, ws and wss, with the clients browsers and apps use: paho-mqtt with
/// transport="websockets" in 3.1.1 and 5.0 (QoS 0/1/2, a packet over many frames, retained,
/// will), a raw socket for frames paho does not send (text, ping, close), refused upgrades
/// (path, subprotocol, origin), and wss with a client certificate checked against a CRL,
/// which neither EMQX nor mosquitto does on websockets, TLS-PSK through openssl s_client,
/// permessage-deflate with the websockets library and Chromium, and the idle timeout
/// (Clients/websocket_clients.py).
@Suite(.serialized) struct WebSocketServeTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Clients/websocket_clients.py").path

    /// `websocket` is the ws listener's block.
    static func config(websocket: String = "", wsExtra: String = "") -> String {
        """
        listeners.tcp.default = marked_for_deletion
        listeners.ssl.default = marked_for_deletion
        listeners.ws.default {
          bind = "127.0.0.1:0"
          websocket { \(websocket) }
          \(wsExtra)
        }
        listeners.wss.default {
          bind = "127.0.0.1:0"
          ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem" }
        }
        authorization { no_match = allow, sources = [] }
        """
    }

    static func ports(_ broker: ServeHarness) throws -> (ws: UInt16, wss: UInt16) {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let ws = ServeHarness.port(in: broker.process.stderr, listener: "ws:default"),
                let wss = ServeHarness.port(in: broker.process.stderr, listener: "wss:default")
            {
                return (ws, wss)
            }
            usleep(50_000)
        }
        throw ServeHarness.HarnessFailure(description: "no ws and wss ports in \(broker.process.stderr)")
    }

    static func run(_ broker: ServeHarness, _ arguments: [String]) throws -> [String: Any] {
        let outcome = try Subprocess("python3", [script] + arguments, workingDirectory: broker.folder.path).run(timeout: 90)
        #expect(outcome.status == 0, "\(outcome)")
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome)")
    }

    static func broker(_ config: String = config(), prepare: (TemporaryDirectory) throws -> Void = { _ in }) throws -> ServeHarness {
        try ServeHarness(config: config) { folder in
            let made = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            guard made.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(made)") }
            try prepare(folder)
        }
    }

    @Test func pahoOverWSAndWSS() throws {
        let broker = try Self.broker()
        let (ws, wss) = try Self.ports(broker)
        let out = try Self.run(broker, ["flows", "\(ws)", "\(wss)"])
        for kind in ["ws", "wss"] {
            for version in ["3.1.1", "5.0"] {
                let flows = try #require(out["\(kind) \(version)"] as? [String: Bool], "\(out)")
                for (flow, passed) in flows { #expect(passed, "\(kind) \(version): \(flow) failed") }
                #expect(flows.count == 6)
            }
        }
    }

    @Test func framesAndRefusedUpgrades() throws {
        // paho sends an Origin of its own: the origin check is tried here, not in the flows.
        let broker = try Self.broker(
            Self.config(
                websocket: "check_origin_enable = true, allow_origin_absence = true, check_origins = \"https://app.example.com\"",
                wsExtra: "access_rules = [\"deny 10.9.8.7\", \"allow all\"]"))
        let (ws, _) = try Self.ports(broker)
        let out = try Self.run(broker, ["frames", "\(ws)"])
        #expect(out["upgrade"] as? String == "HTTP/1.1 101 Switching Protocols", "\(out)")
        #expect(out["subprotocol"] as? Bool == true)
        #expect(out["connack"] as? String == "20020000", "a CONNECT in two frames")
        #expect(out["pong"] as? Bool == true)
        #expect(out["two_pings"] as? String == "d000d000", "two packets in one frame")
        #expect(out["text_close"] as? [Int] == [8, 1003])
        #expect(out["close_echo"] as? [Int] == [8, 1000])
        #expect(out["closed_after"] as? Bool == true)
        #expect((out["wrong_path"] as? String)?.hasPrefix("HTTP/1.1 404") == true, "\(out)")
        #expect((out["no_subprotocol"] as? String)?.hasPrefix("HTTP/1.1 400") == true, "\(out)")
        #expect((out["bad_origin"] as? String)?.hasPrefix("HTTP/1.1 403") == true, "\(out)")
        #expect(out["good_origin"] as? String == "HTTP/1.1 101 Switching Protocols")
        #expect(broker.process.stderr.contains("the origin https://evil.example.com is not in websocket.check_origins"))
        // X-Forwarded-For from a proxy on loopback: the access rule denies the client it names.
        #expect(out["forwarded_denied"] as? Int == 8 || out["forwarded_denied"] as? String == "eof", "\(out)")
        #expect(broker.process.stderr.contains("(the address the proxy's X-Forwarded-For header gave)"), "\(broker.process.stderr)")
        #expect(broker.process.stderr.contains("peer=10.9.8.7"))
    }

    @Test func wssChecksClientCertificatesAgainstACRL() throws {
        let config = """
            listeners.tcp.default = marked_for_deletion
            listeners.ssl.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default {
              bind = "127.0.0.1:0"
              ssl_options {
                certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
                verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true, crlfile = "etc/certs/crl.pem"
              }
            }
            authorization { no_match = allow, sources = [] }
            """
        let broker = try Self.broker(config) { folder in
            let certs = folder.file("etc/certs")
            let steps = [
                try Emqxctl.run(["cert", "issue", "client", "keeper", "--dir", certs, "--out", folder.file("etc/keeper")]),
                try Emqxctl.run(["cert", "revoke", "--dir", certs, folder.file("etc/certs/client-cert.pem")]),
                try Emqxctl.run(["cert", "crl", "--dir", certs]),
            ]
            guard steps.allSatisfy({ $0.status == 0 }) else { throw ServeHarness.HarnessFailure(description: "\(steps)") }
        }
        let port = try #require(ServeHarness.port(in: broker.process.stderr, listener: "wss:default"))
        let good = try Self.run(broker, ["mtls", "\(port)", "etc/keeper/keeper-cert.pem", "etc/keeper/keeper-key.pem"])
        #expect(good["connected"] as? Bool == true, "\(good)")
        let revoked = try Self.run(broker, ["mtls", "\(port)", "etc/certs/client-cert.pem", "etc/certs/client-key.pem"])
        #expect(revoked["connected"] as? Bool == false, "a revoked certificate got in over wss: \(revoked)")
        #expect(broker.process.stderr.contains("the client certificate is revoked"), "\(broker.process.stderr)")
    }

    /// A browser: headless Chromium loads a local page whose script speaks MQTT over ws with
    /// the WebSocket API, written by hand (Clients/browser: nothing fetched from anywhere), and
    /// receives its own message back; the test reads the result from the DOM.
    @Test func aBrowserSpeaksMQTTOverWS() throws {
        // With compress: Chromium offers permessage-deflate, and both ways are compressed.
        let broker = try Self.broker(Self.config(websocket: "compress = true"))
        let (ws, _) = try Self.ports(broker)
        let pagePort = try Loopback.freePort()
        let folder = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent("browser")
        let pages = try Subprocess("python3", [folder.appendingPathComponent("serve_page.py").path, "\(pagePort)"]).start()
        defer { _ = pages.stop() }
        #expect(Loopback.waitUntilListening(port: pagePort))
        let dom = try Subprocess(
            "chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                "http://127.0.0.1:\(pagePort)/mqtt-over-websocket.html?port=\(ws)",
            ],
            workingDirectory: broker.folder.path
        ).run(timeout: 60)
        #expect(dom.status == 0, "\(dom)")
        #expect(dom.stdout.contains("<p id=\"result\">received: hello from the browser "), "\(dom.stdout.prefix(600))")
        #expect(dom.stdout.contains("<p id=\"extensions\">extensions: permessage-deflate"), "\(dom.stdout.prefix(600))")
    }

    /// permessage-deflate (RFC 7692) with the websockets library: what it offers by default
    /// and with fresh contexts and a small window asked for, a 500 kB payload and small ones
    /// echoed; then a deflate bomb (a PUBLISH claiming 64 MB in one small frame) is closed
    /// on, a chunk in, not inflated whole. deflate_opts change the answer; without compress,
    /// the offer is not taken up.
    @Test func permessageDeflateWithTheWebsocketsLibrary() throws {
        let broker = try Self.broker(Self.config(websocket: "compress = true"))
        let (ws, _) = try Self.ports(broker)
        let out = try Self.run(broker, ["deflate", "\(ws)"])
        let plain = out["default"] as? [String: Any]
        let asked = out["asked"] as? [String: Any]
        #expect(plain?["agreed"] as? String == "permessage-deflate", "\(out)")
        #expect(plain?["echoed"] as? Bool == true, "\(out)")
        #expect(
            asked?["agreed"] as? String
                == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10", "\(out)")
        #expect(asked?["echoed"] as? Bool == true, "\(out)")
        #expect(out["raw_agreed"] as? Bool == true && out["bomb_closed"] as? Bool == true, "\(out)")
        #expect((out["bomb_frame_bytes"] as? Int ?? .max) < 200_000, "\(out)")
        #expect(broker.process.isRunning)

        // deflate_opts shape what serve answers: a fresh context for each message it sends, and
        // a smaller window the client is told to keep within (websockets honours both).
        let shaped = try Self.broker(
            Self.config(
                websocket: "compress = true, deflate_opts { server_context_takeover = no_takeover, client_max_window_bits = 10 }"))
        let (shapedPort, _) = try Self.ports(shaped)
        let told = try Self.run(shaped, ["deflate", "\(shapedPort)"])
        let toldDefault = told["default"] as? [String: Any]
        #expect(
            toldDefault?["agreed"] as? String == "permessage-deflate; server_no_context_takeover; client_max_window_bits=10", "\(told)")
        #expect(toldDefault?["echoed"] as? Bool == true, "\(told)")

        let uncompressed = try Self.broker()
        let (plainPort, _) = try Self.ports(uncompressed)
        let declined = try Self.run(uncompressed, ["deflate", "\(plainPort)"])
        #expect((declined["default"] as? [String: Any])?["agreed"] is NSNull, "\(declined)")
        #expect((declined["default"] as? [String: Any])?["echoed"] as? Bool == true, "\(declined)")
    }

    /// websocket.idle_timeout: a connection that sends nothing (keep-alive 0, so no MQTT
    /// timer) is closed with 1000 once it has passed.
    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() throws {
        let broker = try Self.broker(Self.config(websocket: "idle_timeout = 2s"))
        let (ws, _) = try Self.ports(broker)
        let out = try Self.run(broker, ["idle", "\(ws)", "10"])
        let after = out["closed_after"] as? Double ?? 0
        #expect(after >= 1.5 && after < 5, "\(out)")
        #expect(out["opcode"] as? Int == 8 && out["code"] as? Int == 1000, "\(out)")
        #expect(broker.process.stderr.contains("nothing received within websocket.idle_timeout"), "\(broker.process.stderr)")
    }

    /// wss with TLS-PSK: openssl s_client -psk carries the upgrade and MQTT frames on TLS 1.2
    /// and 1.3, and bench --ws measures over it.
    @Test func pskOverWSS() throws {
        let config = """
            psk_authentication { enable = true, init_file = "etc/init.psk", secret_encoding = raw }
            listeners.tcp.default = marked_for_deletion
            listeners.ssl.default = marked_for_deletion
            listeners.wss.default {
              bind = "127.0.0.1:0"
              ssl_options {
                certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
                versions = ["tlsv1.3", "tlsv1.2"]
                ciphers = "TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256,PSK-AES256-GCM-SHA384,PSK-AES128-GCM-SHA256"
              }
            }
            authorization { no_match = allow, sources = [] }
            """
        let broker = try Self.broker(config) { folder in try folder.write("etc/init.psk", "device-1:secret-one\n") }
        let wss = try #require(try broker.ports(of: ["wss:default"])["wss:default"])
        let key = TLSPSKServeTests.rawSecretHex
        let out = try Self.run(broker, ["psk", "\(wss)", "device-1", key])
        for version in ["-tls1_2", "-tls1_3"] {
            let run = out[version] as? [String: Any]
            #expect(run?["upgrade"] as? String == "HTTP/1.1 101 Switching Protocols", "\(out)")
            #expect(run?["connack"] as? String == "20020000", "\(out)")
            #expect(run?["echoed"] as? Bool == true, "\(out)")
        }
        let wrong = try Self.run(broker, ["psk", "\(wss)", "device-1", "00ff00ff"])
        #expect((wrong["-tls1_2"] as? [String: Any])?["connack"] is NSNull, "\(wrong)")
        let bench = try Emqxctl.run(
            [
                "bench", "pub", "--ws", "--port", "\(wss)", "--qos", "1", "--rate", "200", "--duration", "1", "--psk-identity", "device-1",
                "--psk", key,
            ],
            in: broker.folder.path, timeout: 30)
        #expect(bench.status == 0 && (BenchTests.number(before: " sent", in: bench.stdout) ?? 0) > 50, "\(bench)")
    }

    /// The paho interop checks of ServeTests, every client over ws (those that write raw MQTT
    /// bytes to a TCP socket left out).
    @Test func pahoFeatureChecksOverWS() throws {
        let broker = try Self.broker()
        let (ws, _) = try Self.ports(broker)
        let features = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent("paho_features.py").path
        let outcome = try Subprocess("python3", [features, "\(ws)", "--websockets"]).run(timeout: 180)
        let lines = outcome.stdout.split(separator: "\n")
        for line in lines where line.hasPrefix("FAIL") { Issue.record("\(line)") }
        #expect(lines.filter { $0.hasPrefix("PASS") }.count >= 31, "\(outcome)")
        #expect(outcome.status == 0, "\(outcome)")
    }
}
