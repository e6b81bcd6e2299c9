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

    init() throws {
        folder = try TemporaryDirectory()
        let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("pki")])
        guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
        _ = try folder.write("emqx.conf", Self.config)
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
