import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl serve` with psk_authentication, against mosquitto --psk and openssl s_client -psk.
@Suite(.serialized) struct TLSPSKServeTests {
    /// A TLS 1.2 listener limited to PSK suites, and a TLS 1.3 one (external PSK).
    static let config = """
        psk_authentication { enable = true, init_file = "etc/init.psk", secret_encoding = raw }
        listeners.tcp.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            versions = ["tlsv1.2"], ciphers = "PSK-AES256-GCM-SHA384,PSK-AES128-GCM-SHA256"
          }
        }
        listeners.ssl.tls13 {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            versions = ["tlsv1.3"]
          }
        }
        """

    /// "secret-one" as the hex that mosquitto and s_client take.
    static let rawSecretHex = pskClientKey(forRawSecret: "secret-one")

    static func broker() throws -> (ServeHarness, tls12: UInt16, tls13: UInt16) {
        let broker = try ServeHarness(config: config) { folder in
            let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
            try folder.write("etc/init.psk", "# devices\ndevice-1:secret-one\n")
        }
        let ports = try broker.ports(of: ["ssl:default", "ssl:tls13"])
        return (broker, ports["ssl:default"]!, ports["ssl:tls13"]!)
    }

    /// Publishes one message with mosquitto_pub over TLS-PSK; returns its outcome.
    static func publish(_ broker: ServeHarness, port: UInt16, identity: String, hexKey: String, tls: String) throws -> Subprocess.Outcome {
        try Subprocess(
            "mosquitto_pub",
            [
                "-h", "127.0.0.1", "-p", "\(port)", "--psk-identity", identity, "--psk", hexKey, "--tls-version", tls, "-t", "psk/t", "-m",
                "m", "-q", "1",
            ],
            workingDirectory: broker.folder.path
        ).run(timeout: 15)
    }

    @Test func mosquittoWithTheInitFileKeyOnTLS12AndTLS13() throws {
        let (broker, tls12, tls13) = try Self.broker()
        #expect(try Self.publish(broker, port: tls12, identity: "device-1", hexKey: Self.rawSecretHex, tls: "tlsv1.2").status == 0)
        #expect(try Self.publish(broker, port: tls13, identity: "device-1", hexKey: Self.rawSecretHex, tls: "tlsv1.3").status == 0)
        #expect(broker.process.stderr.contains("PSK authentication on: 1 identities"), "\(broker.process.stderr)")
        #expect(!broker.process.stderr.contains("secret-one"), "a secret reached the log")
    }

    @Test func wrongKeyAndUnknownIdentityAreRefusedOnBothVersions() throws {
        let (broker, tls12, tls13) = try Self.broker()
        for (port, version) in [(tls12, "tlsv1.2"), (tls13, "tlsv1.3")] {
            let wrongKey = try Self.publish(broker, port: port, identity: "device-1", hexKey: "deadbeef", tls: version)
            #expect(wrongKey.status != 0, "\(version) wrong key: \(wrongKey)")
            let unknown = try Self.publish(broker, port: port, identity: "nobody", hexKey: Self.rawSecretHex, tls: version)
            #expect(unknown.status != 0, "\(version) unknown identity: \(unknown)")
        }
        let deadline = Date().addingTimeInterval(5)
        while broker.process.stderr.components(separatedBy: "TLS handshake failed").count < 5 && Date() < deadline { usleep(20_000) }
        let log = broker.process.stderr
        #expect(log.components(separatedBy: "pre-shared key differs from the store's").count == 3, "\(log)")
        #expect(log.contains("unknown PSK identity: it is not in the PSK store"), "\(log)")
        #expect(log.contains("unknown PSK identity, or a malformed pre_shared_key extension"), "\(log)")
        // Every failure names its peer, which is known from accept on, whatever the TLS stage.
        let failures = log.split(separator: "\n").filter { $0.contains("TLS handshake failed") }
        #expect(!failures.isEmpty && failures.allSatisfy { $0.contains("peer=127.0.0.1:") }, "\(log)")
    }

    @Test func opensslSClientNegotiatesAPSKSuite() throws {
        let (broker, tls12, tls13) = try Self.broker()
        for (port, version, suite) in [(tls12, "-tls1_2", "PSK-AES256-GCM-SHA384"), (tls13, "-tls1_3", "TLS_AES_128_GCM_SHA256")] {
            let outcome = try OpenSSLCLI.run(
                ["s_client", "-connect", "127.0.0.1:\(port)", version, "-psk_identity", "device-1", "-psk", Self.rawSecretHex],
                in: broker.folder.path, timeout: 15)
            #expect(outcome.stdout.contains("Cipher is \(suite)"), "\(version): \(outcome.stdout.suffix(600))")
            #expect(!outcome.stderr.contains("alert"), "\(version): \(outcome.stderr)")
            let wrong = try OpenSSLCLI.run(
                ["s_client", "-connect", "127.0.0.1:\(port)", version, "-psk_identity", "device-1", "-psk", "00112233"],
                in: broker.folder.path, timeout: 15)
            // s_client prints the negotiated suite even when the handshake then fails; the
            // server's alert (decrypt error: the keys differ) is the verdict.
            #expect(wrong.stderr.contains("alert"), "\(version) accepted a wrong key: \(wrong)")
        }
    }

    @Test func anIdentityAddedWhileServingIsUsableWithinSeconds() throws {
        let (broker, tls12, _) = try Self.broker()
        let key = "00112233445566778899aabbccddeeff"
        let added = try Emqxctl.run(["psk", "add", "device-2", "--secret-encoding", "hex"], in: broker.folder.path, input: key + "\n")
        #expect(added.status == 0, "\(added)")
        let deadline = Date().addingTimeInterval(10)
        while !broker.process.stderr.contains("PSK store reloaded: 2 identities") && Date() < deadline { usleep(50_000) }
        #expect(try Self.publish(broker, port: tls12, identity: "device-2", hexKey: key, tls: "tlsv1.2").status == 0)
    }

    /// `bench` over TLS: certificates, PSK on both versions, and a wrong key counted as failures.
    @Test func benchOverTLSWithCertificatesAndPSK() throws {
        let (broker, tls12, tls13) = try Self.broker()
        func bench(_ arguments: [String]) throws -> Subprocess.Outcome {
            try Emqxctl.run(["bench"] + arguments + ["--duration", "1"], in: broker.folder.path, timeout: 30)
        }
        let verified = try bench(["conn", "--port", "\(tls13)", "--cafile", "etc/certs/cacert.pem", "--servername", "localhost"])
        #expect(verified.stdout.contains(" 0 failed") && !verified.stdout.contains("conn: 0 connected"), "\(verified)")
        for (port, version) in [(tls12, "tlsv1.2"), (tls13, "tlsv1.3")] {
            let psk = ["--psk-identity", "device-1", "--psk", Self.rawSecretHex, "--tls-version", version]
            let connections = try bench(["conn", "--port", "\(port)"] + psk)
            #expect(connections.stdout.contains(" 0 failed") && !connections.stdout.contains("conn: 0 connected"), "\(connections)")
            let wrong = try bench(["conn", "--port", "\(port)", "--psk-identity", "device-1", "--psk", "00ff", "--tls-version", version])
            #expect(wrong.stdout.contains("conn: 0 connected"), "\(wrong)")
            let published = try bench(["pub", "--port", "\(port)", "--qos", "1", "--rate", "200"] + psk)
            #expect(published.status == 0 && (BenchTests.number(before: " sent", in: published.stdout) ?? 0) > 50, "\(published)")
        }
        // The broker's name is checked when the CA is given.
        let wrongName = try bench(["conn", "--port", "\(tls13)", "--cafile", "etc/certs/cacert.pem", "--servername", "other.example"])
        #expect(wrongName.stdout.contains("conn: 0 connected"), "\(wrongName)")
        #expect(wrongName.status == 1, "nothing succeeded: \(wrongName)")
        #expect(wrongName.stderr.contains("failed: TLS: certificate verify failed ×"), "\(wrongName)")
    }

    @Test func aBadInitFileStopsStartUpWithItsLine() throws {
        let folder = try TemporaryDirectory()
        _ = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
        try folder.write("etc/init.psk", "device-1:secret-one\nno separator here\n")
        try folder.write("emqx.conf", Self.config)
        let outcome = try Emqxctl.run(["serve", "--config", "emqx.conf"], in: folder.path, timeout: 20)
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.stderr.contains("etc/init.psk:2: no \":\" separator"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("secret-one"), "a secret reached the error")
    }

    /// A PSK store others can read is an error for config check and serve alike, with the
    /// chmod that fixes it; an init_file readable by everyone is a warning.
    @Test func storeFilesWithLooseModesAreRefused() throws {
        let folder = try TemporaryDirectory()
        _ = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
        try folder.write("etc/init.psk", "device-1:secret-one\n")
        chmod(folder.file("etc/init.psk"), 0o644)
        try folder.write("emqx.conf", Self.config)
        let added = try Emqxctl.run(["psk", "add", "device-2", "--generate"], in: folder.path)
        #expect(added.status == 0, "\(added)")
        #expect(try folder.mode("data/psk.db") == 0o600)

        let clean = try Emqxctl.run(["config", "check", "emqx.conf"], in: folder.path)
        #expect(clean.status == 0, "\(clean)")
        #expect(
            clean.stdout.contains(
                "warning[psk-file-mode]: psk_authentication.init_file: etc/init.psk holds PSK secrets and is readable by everyone (mode 644)"
            ), "\(clean)")

        chmod(folder.file("data/psk.db"), 0o644)
        let loose = try Emqxctl.run(["config", "check", "emqx.conf"], in: folder.path)
        #expect(loose.status == 2, "\(loose)")
        #expect(loose.stdout.contains("error[psk-file-mode]"), "\(loose)")
        #expect(loose.stdout.contains("hint: chmod 600 data/psk.db data/psk.db-wal data/psk.db-shm"), "\(loose)")
        let serve = try Emqxctl.run(["serve", "--config", "emqx.conf"], in: folder.path, timeout: 20)
        #expect(serve.status == 2, "\(serve)")
        #expect(serve.stderr.contains("error[psk-file-mode]"), "\(serve)")
    }
}
