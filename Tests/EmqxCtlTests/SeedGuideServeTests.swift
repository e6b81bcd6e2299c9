import EmqxTestSupport
import Foundation
import Testing

/// The seed guide's TLS and PSK examples, served as written (only the bind moved to an
/// ephemeral loopback port), with the clients the guide's readers use.
@Suite(.serialized) struct SeedGuideServeTests {
    static let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ConfigPreflightTests/Fixtures/seed")

    /// A guide block without its `...` elisions (they stand for defaults).
    static func block(_ name: String) throws -> String {
        try String(contentsOf: seed.appendingPathComponent("\(name).conf"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.trimmingCharacters(in: .whitespaces) != "..." }
            .joined(separator: "\n")
    }

    static let loopback = """
        listeners.tcp.default = marked_for_deletion
        listeners.ssl.default.bind = "127.0.0.1:0"

        """

    static func broker(_ config: String, keyType: String = "ec-p256", prepare: @escaping (TemporaryDirectory) throws -> Void = { _ in })
        throws -> ServeHarness
    {
        try ServeHarness(config: config) { folder in
            for out in ["etc/certs", "certs"] {
                let generated = try Emqxctl.run(["cert", "gen", "--key-type", keyType, "--out", folder.file(out)])
                guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
            }
            try prepare(folder)
        }
    }

    static func mosquittoPublish(_ broker: ServeHarness, _ extra: [String]) throws -> Subprocess.Outcome {
        try Subprocess(
            "mosquitto_pub", ["-h", "localhost", "-p", "\(broker.port)", "-t", "guide/t", "-m", "m", "-q", "1"] + extra,
            workingDirectory: broker.folder.path
        ).run(timeout: 15)
    }

    @Test func tlsAuthenticationBlock() throws {
        let config = try Self.block("01-tls-authentication").replacingOccurrences(of: "0.0.0.0:8883", with: "127.0.0.1:0")
        let broker = try Self.broker("listeners.tcp.default = marked_for_deletion\n" + config)
        let trusted = ["--cafile", "etc/certs/cacert.pem"]
        // verify_peer without fail_if_no_peer_cert: a certificate is checked when sent, not required.
        #expect(
            try Self.mosquittoPublish(broker, trusted + ["--cert", "etc/certs/client-cert.pem", "--key", "etc/certs/client-key.pem"]).status
                == 0)
        #expect(try Self.mosquittoPublish(broker, trusted).status == 0)
        // The block lists tlsv1.1 and tlsv1, so they really work.
        let legacy = try OpenSSLCLI.run(
            [
                "s_client", "-connect", "127.0.0.1:\(broker.port)", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile",
                "etc/certs/cacert.pem",
            ],
            in: broker.folder.path, timeout: 15)
        #expect(legacy.stdout.contains("Protocol  : TLSv1.1") && legacy.stdout.contains("Verify return code: 0 (ok)"), "\(legacy)")
    }

    /// The PSK section: psk_authentication, the guide's init.psk (raw secrets that look like
    /// hex, so clients send the hex of their text), and the listener's PSK and RSA-PSK suites.
    @Test func pskSectionWithItsCipherList() throws {
        let config = Self.loopback + (try Self.block("02-psk-authentication")) + "\n" + (try Self.block("03-psk-listener"))
        let broker = try Self.broker(config, keyType: "rsa-2048") { folder in
            try folder.write("data/init.psk", try String(contentsOf: Self.seed.appendingPathComponent("init.psk"), encoding: .utf8))
        }
        let secret = "8c701116e9127c57a99d5563709af3deaca75563e2c4dd0865701ae839fb6d79"
        let key = pskClientKey(forRawSecret: secret)
        let psk = ["--psk-identity", "myclient1", "--psk", key, "--tls-version", "tlsv1.2"]
        #expect(try Self.mosquittoPublish(broker, psk).status == 0)
        // The secret as typed is the hex decoding, which is not this store's key (raw).
        #expect(
            try Self.mosquittoPublish(broker, ["--psk-identity", "myclient1", "--psk", secret, "--tls-version", "tlsv1.2"]).status != 0)
        for suite in ["PSK-AES128-GCM-SHA256", "PSK-AES256-CBC-SHA", "RSA-PSK-AES256-GCM-SHA384", "RSA-PSK-AES128-CBC-SHA256"] {
            let outcome = try OpenSSLCLI.run(
                [
                    "s_client", "-connect", "127.0.0.1:\(broker.port)", "-tls1_2", "-cipher", suite, "-psk_identity", "myclient2",
                    "-psk", pskClientKey(forRawSecret: "d1e617d3b963757bfc21dad3fea169716c3a2f053f23decaea5cdfaabd04bfc4"),
                ],
                in: broker.folder.path, timeout: 15)
            #expect(outcome.stdout.contains("Cipher is \(suite)") && !outcome.stderr.contains("alert"), "\(suite): \(outcome)")
        }
    }

    /// The guide's /etc/emqx/certs file names, mapped onto a `cert gen` folder under etc/certs.
    static func relocated(_ block: String) -> String {
        block.replacingOccurrences(of: "0.0.0.0:8883", with: "127.0.0.1:0")
            .replacingOccurrences(of: "/etc/emqx/certs/server.key", with: "etc/certs/key.pem")
            .replacingOccurrences(of: "/etc/emqx/certs/server.pem", with: "etc/certs/cert.pem")
            .replacingOccurrences(of: "/etc/emqx/certs/ca.pem", with: "etc/certs/cacert.pem")
            .replacingOccurrences(of: "/etc/emqx/certs/ocsp-issuer.pem", with: "etc/certs/cacert.pem")
    }

    /// The OCSP stapling block as written: its responder (ocsp.responder.com) cannot be
    /// reached from here, so the broker serves without a staple (fail open) and says why.
    @Test func ocspStaplingBlockFailsOpenWithoutItsResponder() throws {
        let broker = try Self.broker("listeners.tcp.default = marked_for_deletion\n" + Self.relocated(try Self.block("04-ocsp-stapling")))
        let outcome = try OpenSSLCLI.run(
            ["s_client", "-connect", "127.0.0.1:\(broker.port)", "-servername", "localhost", "-status", "-CAfile", "etc/certs/cacert.pem"],
            in: broker.folder.path, input: "", timeout: 15)
        #expect(outcome.stdout.contains("Verify return code: 0 (ok)"), "\(outcome)")
        #expect(outcome.stdout.contains("OCSP response: no response sent"), "\(outcome)")
        let deadline = Date().addingTimeInterval(20)
        while !broker.process.stderr.contains("OCSP response for ssl:default not updated") && Date() < deadline { usleep(100_000) }
        #expect(broker.process.stderr.contains("handshakes go on without a staple (fail open)"), "\(broker.process.stderr)")
    }

    /// The CRL block as written, with client certificates that name a distribution point
    /// served by python's http.server: a good client connects, a revoked one is refused, and
    /// one whose certificate names no point is checked against its CA's CRL once one is at
    /// hand (refused before, fail closed, in words).
    @Test func crlCheckBlockRefusesRevokedClients() throws {
        let point = try Loopback.freePort()
        var http: Subprocess.Running?
        let broker = try ServeHarness(
            config: "listeners.tcp.default = marked_for_deletion\n" + Self.relocated(try Self.block("05-crl-check"))
        ) {
            folder in
            try CRLServeTests.makePKI(in: folder, point: point)
            let carol = try Emqxctl.run(["cert", "issue", "client", "carol"], in: folder.path)  // no distribution point
            guard carol.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(carol)") }
            http = try CRLServeTests.startCRLServer(in: folder, port: point)
        }
        defer { _ = http?.stop() }
        // carol names no point and no CRL of her CA is at hand yet: refused (fail closed).
        #expect(!(try CRLServeTests.publish(broker, as: "carol").accepted))
        #expect(broker.process.stderr.contains("CN=carol names no http CRL distribution point"), "\(broker.process.stderr)")
        #expect(try CRLServeTests.publish(broker, as: "alice").accepted)
        #expect(!(try CRLServeTests.publish(broker, as: "bob").accepted))
        #expect(broker.process.stderr.contains("the client certificate is revoked"))
        // Now her CA's CRL is at hand (fetched for alice), and carol is checked against it.
        #expect(try CRLServeTests.publish(broker, as: "carol").accepted)
    }
}
