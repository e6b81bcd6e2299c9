import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl bench handshake`: full handshakes in memory against a listener built from a config,
/// with the bench client's TLS options; the negotiated suite and the failures are the
/// listener's own.
@Suite struct BenchHandshakeTests {
    static let config = """
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options { certfile = "pki/cert.pem", keyfile = "pki/key.pem", cacertfile = "pki/cacert.pem" }
        }
        listeners.ssl.tls13 {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "pki/cert.pem", keyfile = "pki/key.pem", cacertfile = "pki/cacert.pem"
            versions = ["tlsv1.3"], ciphers = ["TLS_CHACHA20_POLY1305_SHA256"]
          }
        }
        """

    let folder: TemporaryDirectory

    init() throws { folder = try Self.workspace() }

    /// A folder with a development PKI in `pki/` and `config` as `emqx.conf`.
    static func workspace() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("pki")])
        guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
        _ = try folder.write("emqx.conf", config)
        return folder
    }

    func bench(_ arguments: [String], config: String = "emqx.conf") throws -> Subprocess.Outcome {
        try Emqxctl.run(["bench", "handshake", "--config", config, "--count", "50"] + arguments, in: folder.path)
    }

    @Test func measuresTheListenersNegotiatedSuite() throws {
        let verified = ["--cafile", "pki/cacert.pem", "--servername", "localhost"]
        let tls13 = try bench(["--listener", "ssl:tls13"] + verified)
        #expect(tls13.status == 0, "\(tls13)")
        #expect(tls13.stdout.hasPrefix("handshake: 50 full handshakes, TLSv1.3 TLS_CHACHA20_POLY1305_SHA256: server "), "\(tls13)")
        #expect(tls13.stdout.contains(" us CPU each ("), "\(tls13)")

        let tls12 = try bench(verified + ["--tls-version", "tlsv1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"])
        #expect(tls12.status == 0, "\(tls12)")
        #expect(tls12.stdout.contains("TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256"), "\(tls12)")
    }

    @Test func takesThePSKListenersSuites() throws {
        _ = try folder.write(
            "psk.conf",
            """
            psk_authentication.enable = true
            listeners.ssl.default {
              bind = "127.0.0.1:0"
              ssl_options {
                certfile = "pki/cert.pem", keyfile = "pki/key.pem", cacertfile = "pki/cacert.pem"
                versions = ["tlsv1.2"], ciphers = "PSK-AES128-GCM-SHA256"
              }
            }
            """)
        let outcome = try bench(
            ["--psk-identity", "device-1", "--psk", "736563726574", "--tls-version", "tlsv1.2", "--ciphers", "PSK-AES128-GCM-SHA256"],
            config: "psk.conf")
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains("TLSv1.2 PSK-AES128-GCM-SHA256"), "\(outcome)")
    }

    @Test func aHandshakeTheListenerRefusesIsAnError() throws {
        let version = try bench(["--listener", "ssl:tls13", "--insecure", "--tls-version", "tlsv1.2"])
        #expect(version.status == 1, "\(version)")
        #expect(version.stderr.contains("failed the handshake"), "\(version)")

        let otherCA = try Emqxctl.run(["cert", "gen", "--out", folder.file("other")])
        #expect(otherCA.status == 0, "\(otherCA)")
        let untrusted = try bench(["--cafile", "other/cacert.pem", "--servername", "localhost"])
        #expect(untrusted.status == 1, "\(untrusted)")
        #expect(untrusted.stderr.contains("the client failed the handshake"), "\(untrusted)")
    }

    @Test func badArgumentsAreUsageErrors() throws {
        for bad in [["--listener", "ssl:nope"], ["--listener", "tcp:default"], ["--count", "0"]] {
            let outcome = try bench(bad + ["--insecure"])
            #expect(outcome.status == 64, "\(bad): \(outcome)")
        }
        let broken = try bench(["--insecure"], config: "missing.conf")
        #expect(broken.status == 2, "\(broken)")
    }
}

/// `emqxctl bench floor`: the listener's TLS with a fixed CONNACK behind it, the floor the
/// TLS benchmarks measure serve against, answers real clients.
@Suite struct BenchFloorTests {
    let folder: TemporaryDirectory

    init() throws { folder = try BenchHandshakeTests.workspace() }

    /// Starts the floor and waits for the port it bound.
    func startFloor(_ arguments: [String] = []) throws -> (Subprocess.Running, Int) {
        let floor = try Subprocess(Emqxctl.binary, ["bench", "floor", "--config", "emqx.conf"] + arguments, workingDirectory: folder.path)
            .start()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && floor.isRunning {
            if let match = floor.stderr.firstMatch(of: /on port (\d+), one event loop/), let port = Int(match.1) { return (floor, port) }
            usleep(20_000)
        }
        let outcome = floor.stop()
        throw ServeHarness.HarnessFailure(description: "bench floor did not start: \(outcome)")
    }

    @Test func answersTLSClientsWithAConnAck() throws {
        let (floor, port) = try startFloor()
        defer { floor.stop() }
        let verified = ["--cafile", "pki/cacert.pem", "--servername", "localhost"]
        let conn = try Emqxctl.run(["bench", "conn", "--port", "\(port)", "--duration", "1"] + verified, in: folder.path)
        #expect(conn.status == 0, "\(conn)")
        #expect(conn.stdout.contains(" 0 failed"), "\(conn)")
        for version in ["mqttv311", "mqttv5"] {
            let published = try Subprocess(
                "mosquitto_pub",
                ["-h", "localhost", "-p", "\(port)", "--cafile", "pki/cacert.pem", "-V", version, "-t", "floor", "-m", "x"],
                workingDirectory: folder.path
            ).run(timeout: 10)
            #expect(published.status == 0, "\(version): \(published)")
        }
        // Its TLS is the listener's: a client that does not trust the CA fails the handshake.
        let otherCA = try Emqxctl.run(["cert", "gen", "--out", folder.file("other")])
        #expect(otherCA.status == 0, "\(otherCA)")
        let untrusted = try Emqxctl.run(
            ["bench", "conn", "--port", "\(port)", "--duration", "1", "--cafile", "other/cacert.pem", "--servername", "localhost"],
            in: folder.path)
        #expect(untrusted.status == 1, "\(untrusted)")
    }

    @Test func anUnknownListenerIsAUsageError() throws {
        let outcome = try Emqxctl.run(["bench", "floor", "--config", "emqx.conf", "--listener", "ssl:nope"], in: folder.path)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stderr.contains("no listener ssl:nope"), "\(outcome)")
    }
}
