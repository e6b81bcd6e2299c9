import EmqxTestSupport
import Foundation
import Testing

/// `serve` with `ssl_options.ocsp`, fetching from `openssl ocsp -port` (the responder of the
/// CA folder `cert gen` made) and stapling for `openssl s_client -status`.
@Suite(.serialized) struct OCSPStaplingServeTests {
    /// `sslExtra` adds lines to ssl_options.
    static func config(responderPort: UInt16, sslExtra: String = "") -> String {
        """
        listeners.tcp.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            \(sslExtra)
            ocsp {
              enable_ocsp_stapling = true
              issuer_pem = "etc/certs/cacert.pem"
              responder_url = "http://127.0.0.1:\(responderPort)"
              refresh_interval = 5m
              refresh_http_timeout = 5s
            }
          }
        }
        """
    }

    /// `openssl ocsp` answering for the CA folder, signing with the CA key.
    static func startResponder(in folder: TemporaryDirectory, port: UInt16) throws -> Subprocess.Running {
        let responder = try Subprocess(
            "openssl",
            [
                "ocsp", "-index", "etc/certs/index.txt", "-CA", "etc/certs/cacert.pem", "-rsigner", "etc/certs/cacert.pem",
                "-rkey", "etc/certs/cakey.pem", "-port", "\(port)", "-nmin", "60", "-ignore_err",
            ],
            workingDirectory: folder.path
        ).start()
        // It prints ACCEPT once listening. (A probe connection would hang it: it waits for a
        // request on a connection that closed.)
        let deadline = Date().addingTimeInterval(10)
        while !responder.stdout.contains("ACCEPT") && responder.isRunning && Date() < deadline { usleep(20_000) }
        #expect(responder.stdout.contains("ACCEPT"), "openssl ocsp did not listen: \(responder.stderr)")
        return responder
    }

    /// The broker, with a CA folder from `cert gen`; with `responder`, `openssl ocsp` is
    /// answering before the broker starts.
    static func broker(responderPort: UInt16, revokeServer: Bool = false, responder: Bool) throws -> (ServeHarness, Subprocess.Running?) {
        var running: Subprocess.Running?
        let broker = try ServeHarness(config: config(responderPort: responderPort)) { folder in
            let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
            if revokeServer {
                let revoked = try Emqxctl.run(["cert", "revoke", "etc/certs/cert.pem", "--reason", "keyCompromise"], in: folder.path)
                guard revoked.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(revoked)") }
            }
            if responder { running = try startResponder(in: folder, port: responderPort) }
        }
        return (broker, running)
    }

    /// `openssl s_client -status`: what it printed about the staple, and whether the handshake
    /// verified.
    static func handshake(_ broker: ServeHarness, _ version: String = "-tls1_3") throws -> (staple: String, verified: Bool) {
        let outcome = try OpenSSLCLI.run(
            [
                "s_client", "-connect", "127.0.0.1:\(broker.port)", "-servername", "localhost", "-status", "-CAfile",
                "etc/certs/cacert.pem", version,
            ],
            in: broker.folder.path, input: "", timeout: 15)
        let lines = outcome.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let staple = lines.filter {
            $0.hasPrefix("OCSP response:") || $0.hasPrefix("Cert Status:") || $0.hasPrefix("OCSP Response Status:")
        }
        return (staple.joined(separator: "; "), outcome.stdout.contains("Verify return code: 0 (ok)"))
    }

    static func waitForLog(_ broker: ServeHarness, _ text: String, seconds: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !broker.process.stderr.contains(text) && Date() < deadline { usleep(50_000) }
        return broker.process.stderr.contains(text)
    }

    @Test func aGoodStapleIsServedOnTLS13AndTLS12SoonAfterStartUp() throws {
        let responderPort = try Loopback.freePort()
        let (broker, responder) = try Self.broker(responderPort: responderPort, responder: true)
        defer { _ = responder?.stop() }
        // The first fetch runs as the listener starts.
        #expect(Self.waitForLog(broker, "OCSP staple for ssl:default: good", seconds: 3), "\(broker.process.stderr)")
        for version in ["-tls1_3", "-tls1_2"] {
            let result = try Self.handshake(broker, version)
            #expect(result.verified)
            #expect(result.staple.contains("OCSP Response Status: successful"), "\(version): \(result.staple)")
            #expect(result.staple.contains("Cert Status: good"), "\(version): \(result.staple)")
        }
    }

    /// The certificate's serial and the serial the stapled response speaks of.
    static func servedAndStapledSerials(_ broker: ServeHarness) throws -> (served: String, stapled: String) {
        let outcome = try Subprocess(
            "sh",
            [
                "-c",
                "openssl s_client -connect 127.0.0.1:\(broker.port) -servername localhost -status -CAfile etc/certs/cacert.pem </dev/null 2>/dev/null | tee s_client.out | sed -n '/^Server certificate/,/END CERTIFICATE/p' | openssl x509 -noout -serial",
            ], workingDirectory: broker.folder.path
        ).run(timeout: 20)
        let text = try String(contentsOfFile: broker.folder.file("s_client.out"), encoding: .utf8)
        let stapled = text.split(separator: "\n").first { $0.contains("Serial Number:") }.map {
            String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces)
        }
        return (outcome.stdout.replacingOccurrences(of: "serial=", with: "").trimmingCharacters(in: .whitespacesAndNewlines), stapled ?? "")
    }

    /// A renewed certificate gets a staple of its own after a reload: the stapler restarts for
    /// the new certificate instead of stapling the old one's response to it.
    @Test func aRenewedCertificateIsStapledForItselfAfterAReload() throws {
        let responderPort = try Loopback.freePort()
        let (broker, first) = try Self.broker(responderPort: responderPort, responder: true)
        var responder = first
        defer { _ = responder?.stop() }
        #expect(Self.waitForLog(broker, "OCSP staple for ssl:default: good", seconds: 3), "\(broker.process.stderr)")
        let before = try Self.servedAndStapledSerials(broker)
        #expect(!before.served.isEmpty && before.served == before.stapled, "\(before)")
        let issued = try Emqxctl.run(
            ["cert", "issue", "server", "localhost", "--san", "localhost", "--dir", "etc/certs", "--out", "etc/renewed"],
            in: broker.folder.path)
        #expect(issued.status == 0, "\(issued)")
        // openssl ocsp reads its index once: a new one, on a port of its own, knows the new
        // serial (its port cannot be the old one's at once), and the config moves to it.
        _ = responder?.stop()
        let newPort = try Loopback.freePort()
        responder = try Self.startResponder(in: broker.folder, port: newPort)
        try broker.folder.write("emqx.conf", Self.config(responderPort: newPort))
        for (from, to) in [("localhost-cert.pem", "cert.pem"), ("localhost-key.pem", "key.pem")] {
            let text = try String(contentsOfFile: broker.folder.file("etc/renewed/\(from)"), encoding: .utf8)
            try text.write(toFile: broker.folder.file("etc/certs/\(to)"), atomically: true, encoding: .utf8)
        }
        kill(broker.process.processIdentifier, SIGHUP)
        #expect(Self.waitForLog(broker, "ssl:default OCSP stapling"), "\(broker.process.stderr)")
        let deadline = Date().addingTimeInterval(10)
        var after = try Self.servedAndStapledSerials(broker)
        while after.stapled != after.served && Date() < deadline {
            usleep(200_000)
            after = try Self.servedAndStapledSerials(broker)
        }
        #expect(after.served != before.served, "\(after)")
        #expect(after.stapled == after.served, "not stapled for the new certificate: \(after)\n\(broker.process.stderr)")
    }

    @Test func aRevokedServerCertificateGetsARevokedStapleAndAWarning() throws {
        let responderPort = try Loopback.freePort()
        let (broker, responder) = try Self.broker(responderPort: responderPort, revokeServer: true, responder: true)
        defer { _ = responder?.stop() }
        #expect(Self.waitForLog(broker, "OCSP staple for ssl:default: REVOKED", seconds: 3), "\(broker.process.stderr)")
        #expect(broker.process.stderr.contains("(keyCompromise)"))
        let result = try Self.handshake(broker)
        #expect(result.staple.contains("Cert Status: revoked"), "\(result.staple)")
    }

    @Test func withTheResponderDownHandshakesGoOnWithoutAStapleUntilItIsBack() throws {
        let responderPort = try Loopback.freePort()
        let (broker, _) = try Self.broker(responderPort: responderPort, responder: false)
        #expect(Self.waitForLog(broker, "connection refused"), "\(broker.process.stderr)")
        #expect(broker.process.stderr.contains("handshakes go on without a staple (fail open); retrying in 5 s"))
        let without = try Self.handshake(broker)
        #expect(without.verified)
        #expect(without.staple == "OCSP response: no response sent", "\(without.staple)")

        let responder = try Self.startResponder(in: broker.folder, port: responderPort)
        defer { _ = responder.stop() }
        #expect(Self.waitForLog(broker, "OCSP staple for ssl:default: good", seconds: 20), "\(broker.process.stderr)")
        let with = try Self.handshake(broker)
        #expect(with.staple.contains("Cert Status: good"), "\(with.staple)")
    }

    /// A responder URL that answers HTTP, but not OCSP (python's http.server: 404).
    @Test func aResponderThatIsNotOneIsReportedAndNothingIsStapled() throws {
        let port = try Loopback.freePort()
        let (broker, _) = try Self.broker(responderPort: port, responder: false)
        let http = try CRLServeTests.startCRLServer(in: broker.folder, port: port)
        defer { _ = http.stop() }
        #expect(Self.waitForLog(broker, "answered HTTP 404", seconds: 10), "\(broker.process.stderr)")
        #expect(try Self.handshake(broker).staple == "OCSP response: no response sent")
    }
}
