import EmqxTestSupport
import Foundation
import Testing

/// The admin endpoint of a running serve, read by real clients: Python's urllib and
/// prometheus_client's parser (Clients/admin_endpoint.py), curl, `emqxctl status` and
/// `emqxctl reload`, and headless Chromium for the status page. The listener serves a chain
/// (leaf and intermediate), verifies clients against a CRL, and has PSK on; openssl s_client
/// makes one good handshake and one refused.
@Suite(.serialized) struct AdminEndpointServeTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/admin_endpoint.py")
        .path

    static func config(adminPort: UInt16) -> String {
        """
        listeners.tcp.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem"
            keyfile = "etc/certs/key.pem"
            cacertfile = "etc/certs/ca-bundle.pem"
            verify = verify_peer
            fail_if_no_peer_cert = true
            enable_crl_check = true
            crlfile = "etc/certs/crl.pem"
          }
        }
        psk_authentication { enable = true, init_file = "etc/init.psk" }
        authorization { no_match = allow, sources = [] }
        dashboard.listeners.http.bind = \(adminPort)
        """
    }

    static func start() throws -> (ServeHarness, admin: String) {
        let adminPort = try Loopback.freePort()
        let broker = try ServeHarness(config: config(adminPort: adminPort)) { folder in
            #expect(try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs"), "--intermediate"]).status == 0)
            #expect(try Emqxctl.run(["cert", "crl", "--dir", folder.file("etc/certs")]).status == 0)
            let root = try String(contentsOfFile: folder.file("etc/certs/cacert.pem"), encoding: .utf8)
            let intermediate = try String(contentsOfFile: folder.file("etc/certs/intermediate-cert.pem"), encoding: .utf8)
            try folder.write("etc/certs/ca-bundle.pem", root + intermediate)
            try folder.write("etc/init.psk", "one:0011\ntwo:2233\nthree:4455\n")
        }
        #expect(Loopback.waitUntilListening(port: adminPort))
        return (broker, "http://127.0.0.1:\(adminPort)")
    }

    /// openssl s_client with `arguments`; its exit status.
    static func handshake(_ broker: ServeHarness, _ arguments: [String]) throws -> Int32 {
        try Subprocess(
            "sh",
            [
                "-c",
                "openssl s_client -connect 127.0.0.1:\(broker.port) -CAfile etc/certs/cacert.pem \(arguments.joined(separator: " ")) </dev/null",
            ],
            workingDirectory: broker.folder.path
        ).run(timeout: 20).status
    }

    static func values(_ samples: [String: Any], _ name: String) -> [(labels: [String: String], value: Double)] {
        (samples[name] as? [[String: Any]] ?? []).map { ($0["labels"] as? [String: String] ?? [:], $0["value"] as? Double ?? .nan) }
    }

    @Test func metricsStatusAndReloadOverHTTP() throws {
        let (broker, admin) = try Self.start()
        let tokenPath = broker.folder.file("data/admin.token")
        let mode = try FileManager.default.attributesOfItem(atPath: tokenPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let token = try String(contentsOfFile: tokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 64)
        #expect(!broker.process.stderr.contains(token), "the token was logged")

        #expect(try Self.handshake(broker, ["-cert etc/certs/client-cert.pem", "-key etc/certs/client-key.pem"]) == 0)
        _ = try Self.handshake(broker, [])  // no client certificate: refused
        let published = try Subprocess(
            "mosquitto_pub",
            [
                "-h", "127.0.0.1", "-p", "\(broker.port)", "--cafile", "etc/certs/cacert.pem", "--cert", "etc/certs/client-cert.pem",
                "--key", "etc/certs/client-key.pem", "-t", "metrics/t", "-m", "hello", "-q", "1",
            ], workingDirectory: broker.folder.path
        ).run(timeout: 15)
        #expect(published.status == 0, "\(published)")
        let read = try Subprocess("python3", [Self.script, admin, token], workingDirectory: broker.folder.path).run(timeout: 60)
        #expect(read.status == 0, "\(read)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
        #expect(out["metrics_status"] as? Int == 200)
        #expect((out["metrics_content_type"] as? String)?.hasPrefix("text/plain; version=0.0.4") == true)
        let samples = try #require(out["samples"] as? [String: Any])

        // Every certificate of every chain: the leaf, the intermediate after it, and both CAs.
        let expiry = Self.values(samples, "emqx_cert_expiry_at")
        #expect(Set(expiry.map { $0.labels["role"] ?? "" }) == ["leaf", "intermediate", "authority"], "\(expiry)")
        #expect(expiry.count == 4, "\(expiry)")
        #expect(expiry.allSatisfy { $0.labels["listener_type"] == "ssl" && $0.labels["listener_name"] == "default" })
        #expect(expiry.allSatisfy { $0.value > Date().timeIntervalSince1970 })

        let handshakes = Self.values(samples, "emqxctl_tls_handshakes_total")
        #expect(handshakes.first?.value ?? 0 >= 1, "\(handshakes)")
        let failures = Self.values(samples, "emqxctl_tls_handshake_failures_total")
        #expect(failures.first { $0.labels["reason"] == "no_client_certificate" }?.value == 1, "\(failures)")
        #expect(Self.values(samples, "emqxctl_psk_identities").first?.value == 3)
        let crl = Self.values(samples, "emqxctl_crl_next_update")
        #expect(crl.count == 1, "\(crl)")
        #expect(crl.first?.labels["source"]?.hasSuffix("etc/certs/crl.pem") == true && crl[0].value > Date().timeIntervalSince1970)
        // EMQX's counter names have no _total; the parser reads them as counters and adds it.
        #expect(Self.values(samples, "emqx_bytes_received_total").first?.value ?? 0 > 20, "mosquitto_pub's bytes")
        #expect(Self.values(samples, "emqx_messages_received_total").first?.value == 1)

        let status = try #require(out["status"] as? [String: Any])
        #expect(out["status_status"] as? Int == 200)
        #expect(status["health"] as? String == "ok", "\(status)")
        #expect((status["certificates"] as? [Any])?.count == 4)
        #expect(((status["psk"] as? [String: Any])?["identities"]) as? Int == 3)
        #expect(out["reload_without_token"] as? Int == 401)
        #expect(out["reload_wrong_token"] as? Int == 401)
        #expect(out["reload_status"] as? Int == 200)
        #expect((out["reload"] as? [String: Any])?["result"] as? String == "applied", "\(out["reload"] ?? "")")
        #expect(out["missing_status"] as? Int == 404)

        // curl, and emqxctl against the same endpoint.
        let curl = try Subprocess("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", "\(admin)/api/v5/status"]).run(
            timeout: 10)
        #expect(curl.stdout == "405")
        let reload = try Emqxctl.run(["reload", "--url", admin, "--admin-token", tokenPath])
        #expect(
            reload.status == 0 && reload.stdout.contains("reload applied in ") && reload.stdout.contains(" ms: ssl:default ssl_options"),
            "\(reload)")
        let healthy = try Emqxctl.run(["status", "--url", admin])
        #expect(healthy.status == 0, "\(healthy)")
        #expect(healthy.stdout.contains("ssl:default intermediate:"), "\(healthy.stdout)")
        #expect(healthy.stdout.contains("PSK: on, 3 identities"))
        let warned = try Emqxctl.run(["status", "--url", admin, "--warn-days", "100000", "--format", "json"])
        #expect(warned.status == 1, "\(warned)")
        #expect(warned.stdout.contains("\"health\" : \"warning\""))
        #expect(!warned.stdout.contains(token) && !healthy.stdout.contains("0011"), "a secret in status output")
        #expect(broker.process.isRunning)
    }

    /// The status page in a real browser: Chromium renders it headless, the test reads its DOM,
    /// and a screenshot is kept (artifacts/status-page.png) for people to look at.
    @Test func statusPageInChromium() throws {
        let (broker, admin) = try Self.start()
        let dom = try Subprocess(
            "chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "\(admin)/"], workingDirectory: broker.folder.path
        ).run(timeout: 60)
        #expect(dom.status == 0, "\(dom)")
        #expect(dom.stdout.contains("<span id=\"health\" class=\"badge ok\">ok</span>"), "\(dom.stdout.prefix(2000))")
        #expect(dom.stdout.components(separatedBy: "<tr class=\"cert\"").count - 1 == 4)
        #expect(dom.stdout.contains("data-role=\"intermediate\""))
        #expect(dom.stdout.contains("<span id=\"today\""))
        #expect(dom.stdout.contains("<dd id=\"psk\">on, 3 identities</dd>"))
        #expect(!dom.stdout.contains("0011") && !dom.stdout.contains("2233"), "a PSK secret on the page")
        let artifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("status-page.png").path
        try? FileManager.default.removeItem(atPath: screenshot)
        let shot = try Subprocess(
            "chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,1000", "--screenshot=\(screenshot)",
                "\(admin)/",
            ],
            workingDirectory: broker.folder.path
        ).run(timeout: 60)
        #expect(shot.status == 0, "\(shot)")
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
        #expect(size > 10_000, "the screenshot is missing or blank (\(size) bytes)")
    }
}
