import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl serve` with ssl listeners, against openssl s_client, mosquitto and paho-mqtt.
@Suite(.serialized) struct TLSServeTests {
    /// Listeners with different ssl_options on ephemeral ports, with a PKI from `cert gen`.
    static let config = """
        listeners.tcp.default.bind = "127.0.0.1:0"
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem" }
        }
        listeners.ssl.tls12 {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            versions = ["tlsv1.2"], ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256,ECDHE-ECDSA-CHACHA20-POLY1305"
          }
        }
        listeners.ssl.tls13 {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            versions = ["tlsv1.3"], ciphers = ["TLS_AES_128_GCM_SHA256"]
          }
        }
        listeners.ssl.legacy {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            versions = ["tlsv1.2", "tlsv1.1", "tlsv1"]
          }
        }
        listeners.ssl.mtls {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            verify = verify_peer, fail_if_no_peer_cert = true
          }
        }
        """

    static func broker() throws -> ServeHarness {
        try ServeHarness(config: config) { folder in
            let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
        }
    }

    /// Waits until every listener has logged its port.
    static func ports(_ broker: ServeHarness) throws -> [String: UInt16] {
        try broker.ports(of: ["ssl:default", "ssl:tls12", "ssl:tls13", "ssl:legacy", "ssl:mtls"])
    }

    /// The permutation table: listener × client version × client suite → handshake expected.
    static let permutations: [(listener: String, client: [String], succeeds: Bool)] = [
        ("ssl:default", ["-tls1_3"], true),
        ("ssl:default", ["-tls1_2"], true),
        ("ssl:default", ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], false),
        ("ssl:default", ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"], false),
        ("ssl:tls12", ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], true),
        ("ssl:tls12", ["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"], true),
        ("ssl:tls12", ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"], false),
        ("ssl:tls12", ["-tls1_3"], false),
        ("ssl:tls13", ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"], true),
        ("ssl:tls13", ["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"], false),
        ("ssl:tls13", ["-tls1_2"], false),
        ("ssl:legacy", ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], true),
        ("ssl:legacy", ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"], true),
        ("ssl:legacy", ["-tls1_2"], true),
        ("ssl:legacy", ["-tls1_3"], false),
    ]

    @Test func handshakeSucceedsExactlyForConfiguredVersionsAndCiphers() throws {
        let broker = try Self.broker()
        let ports = try Self.ports(broker)
        for entry in Self.permutations {
            let outcome = try OpenSSLCLI.run(
                [
                    "s_client", "-connect", "127.0.0.1:\(ports[entry.listener]!)", "-CAfile", "etc/certs/cacert.pem",
                    "-verify_return_error",
                    "-verify_hostname", "localhost",
                ] + entry.client,
                in: broker.folder.path, timeout: 15
            )
            let established = outcome.stdout.contains("Verify return code: 0 (ok)") && !outcome.stdout.contains("Cipher is (NONE)")
            #expect(
                established == entry.succeeds, "\(entry.listener) \(entry.client.joined(separator: " ")): \(outcome.stdout.suffix(400))")
        }
        // The refused suite is named in the broker's log, with what the client offered.
        #expect(
            broker.process.stderr.contains("no shared cipher: the client offered no suite this listener allows")
                && broker.process.stderr.contains("the client offered ECDHE-ECDSA-AES256-GCM-SHA384"),
            "\(broker.process.stderr)")
    }

    @Test func mosquittoWithCAFileAndWithClientCertificates() throws {
        let broker = try Self.broker()
        let ports = try Self.ports(broker)
        func exchange(_ port: UInt16, _ extra: [String]) throws -> (Subprocess.Outcome, Subprocess.Outcome) {
            let common = ["-h", "localhost", "-p", "\(port)", "--cafile", "etc/certs/cacert.pem"] + extra
            var subscribe = Subprocess(
                "mosquitto_sub", common + ["-t", "tls/#", "-C", "1", "-v", "-W", "8"], workingDirectory: broker.folder.path)
            subscribe.standardInput = nil
            let subscriber = try subscribe.start()
            usleep(600_000)
            let published = try Subprocess(
                "mosquitto_pub", common + ["-t", "tls/test", "-m", "over tls", "-q", "1"], workingDirectory: broker.folder.path
            ).run(timeout: 15)
            let deadline = Date().addingTimeInterval(10)
            while subscriber.isRunning && Date() < deadline { usleep(20_000) }
            return (published, subscriber.stop())
        }
        let (published, received) = try exchange(ports["ssl:default"]!, [])
        #expect(published.status == 0, "\(published)")
        #expect(received.stdout == "tls/test over tls\n", "\(received)")

        let client = ["--cert", "etc/certs/client-cert.pem", "--key", "etc/certs/client-key.pem"]
        let (mutualPublished, mutualReceived) = try exchange(ports["ssl:mtls"]!, client)
        #expect(mutualPublished.status == 0, "\(mutualPublished)")
        #expect(mutualReceived.stdout == "tls/test over tls\n", "\(mutualReceived)")

        let refused = try Subprocess(
            "mosquitto_pub", ["-h", "localhost", "-p", "\(ports["ssl:mtls"]!)", "--cafile", "etc/certs/cacert.pem", "-t", "x", "-m", "y"],
            workingDirectory: broker.folder.path
        ).run(timeout: 15)
        #expect(refused.status != 0, "a client without a certificate must be refused: \(refused)")
        let deadline = Date().addingTimeInterval(5)
        while !broker.process.stderr.contains("fail_if_no_peer_cert requires one") && Date() < deadline { usleep(20_000) }
        #expect(broker.process.stderr.contains("TLS handshake failed: the client sent no certificate"), "\(broker.process.stderr)")

        // A client that trusts another CA aborts the handshake; the line still names the peer.
        try #require(try Emqxctl.run(["cert", "gen", "--out", broker.folder.file("other")]).status == 0)
        let distrusting = try Subprocess(
            "mosquitto_pub",
            ["-h", "localhost", "-p", "\(ports["ssl:mtls"]!)", "--cafile", "other/cacert.pem", "-t", "x", "-m", "y"] + client,
            workingDirectory: broker.folder.path
        ).run(timeout: 15)
        #expect(distrusting.status != 0, "\(distrusting)")
        while broker.process.stderr.components(separatedBy: "TLS handshake failed").count < 3 && Date() < deadline { usleep(20_000) }
        let failures = broker.process.stderr.split(separator: "\n").filter { $0.contains("TLS handshake failed") }
        #expect(failures.count == 2 && failures.allSatisfy { $0.contains("peer=127.0.0.1:") }, "\(broker.process.stderr)")
    }

    @Test func pahoOverTLS() throws {
        let broker = try Self.broker()
        let ports = try Self.ports(broker)
        let script = """
            import queue, ssl, sys
            import paho.mqtt.client as mqtt
            port, ca = int(sys.argv[1]), sys.argv[2]
            received = queue.Queue()
            def client():
                c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
                c.tls_set(ca_certs=ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
                c.on_message = lambda c, u, m: received.put(m.payload)
                c.connect("localhost", port)
                c.loop_start()
                return c
            sub = client()
            sub.subscribe("paho/tls", qos=1)
            import time; time.sleep(0.5)
            pub = client()
            pub.publish("paho/tls", b"hello over tls", qos=1).wait_for_publish(5)
            print(received.get(timeout=5).decode())
            # 200 kB: many TLS records, read in several bursts, both ways through the broker.
            large = bytes(range(256)) * 800
            pub.publish("paho/tls", large, qos=1).wait_for_publish(5)
            print("large payload intact" if received.get(timeout=5) == large else "large payload damaged")
            """
        try broker.folder.write("paho_tls.py", script)
        let outcome = try Subprocess(
            "python3", ["paho_tls.py", "\(ports["ssl:default"]!)", "etc/certs/cacert.pem"], workingDirectory: broker.folder.path
        ).run(timeout: 30)
        #expect(outcome.stdout == "hello over tls\nlarge payload intact\n", "\(outcome)")
    }

    @Test func plaintextClientOnTheTLSPortIsExplained() throws {
        let broker = try Self.broker()
        let ports = try Self.ports(broker)
        _ = try Subprocess("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(ports["ssl:default"]!)", "-t", "x", "-m", "y"]).run(timeout: 10)
        let deadline = Date().addingTimeInterval(5)
        while !broker.process.stderr.contains("plaintext MQTT client") && Date() < deadline { usleep(20_000) }
        #expect(
            broker.process.stderr.contains("TLS handshake failed: a plaintext MQTT client connected to a TLS port"),
            "\(broker.process.stderr)")
    }

    @Test func aTLSClientOnThePlaintextPortIsExplained() throws {
        let broker = try Self.broker()
        _ = try Self.ports(broker)
        let tcp = try #require(broker.port(of: "tcp:default"))
        _ = try OpenSSLCLI.run(["s_client", "-connect", "127.0.0.1:\(tcp)"], in: broker.folder.path, timeout: 10)
        let deadline = Date().addingTimeInterval(5)
        while !broker.process.stderr.contains("a TLS client connected") && Date() < deadline { usleep(20_000) }
        #expect(broker.process.stderr.contains("a TLS client connected to the plaintext port of tcp:default"), "\(broker.process.stderr)")
    }

    /// The chain is built once when the listener starts: from certfile when it holds the
    /// intermediates, or from cacertfile when certfile is the leaf alone. Never the root.
    @Test(arguments: [false, true]) func servesTheChainWithoutTheRoot(leafOnlyCertfile: Bool) throws {
        let config = """
            listeners.tcp.default = marked_for_deletion
            listeners.ssl.default {
              bind = "127.0.0.1:0"
              ssl_options { certfile = "pki/served.pem", keyfile = "pki/key.pem", cacertfile = "pki/bundle.pem" }
            }
            """
        let broker = try ServeHarness(config: config) { folder in
            let generated = try Emqxctl.run(["cert", "gen", "--intermediate", "--out", folder.file("pki")])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
            let read = { (name: String) in try String(contentsOfFile: folder.file("pki/\(name)"), encoding: .utf8) }
            let intermediate = try read("intermediate-cert.pem")
            let leaf = try read("cert.pem").replacingOccurrences(of: intermediate, with: "")
            try folder.write("pki/served.pem", leafOnlyCertfile ? leaf : try read("cert.pem"))
            try folder.write("pki/bundle.pem", try read("cacert.pem") + (leafOnlyCertfile ? intermediate : ""))
        }
        let outcome = try OpenSSLCLI.run(
            [
                "s_client", "-connect", "127.0.0.1:\(broker.port)", "-CAfile", "pki/cacert.pem", "-verify_return_error",
                "-verify_hostname", "localhost", "-showcerts",
            ],
            in: broker.folder.path, timeout: 15)
        #expect(outcome.stdout.contains("Verify return code: 0 (ok)"), "\(outcome)")
        #expect(outcome.stdout.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2, "leaf and intermediate: \(outcome.stdout)")
    }

    @Test func embeddedDefaultsServeTLSWithDevelopmentCertificatesMadeOnce() throws {
        let folder = try TemporaryDirectory()
        var command = Subprocess(Emqxctl.binary, ["serve"], workingDirectory: folder.path)
        command.environment = ProcessInfo.processInfo.environment.merging([
            "EMQX_LISTENERS__TCP__DEFAULT__BIND": "\"127.0.0.1:0\"", "EMQX_LISTENERS__SSL__DEFAULT__BIND": "\"127.0.0.1:0\"",
        ]) { $1 }
        func startAndConnect() throws -> String {
            let process = try command.start()
            defer { _ = process.stop() }
            let deadline = Date().addingTimeInterval(20)
            var port: UInt16?
            while port == nil && process.isRunning && Date() < deadline {
                port = ServeHarness.port(in: process.stderr, listener: "ssl:default")
                if port == nil { usleep(20_000) }
            }
            let handshake = try OpenSSLCLI.run(
                [
                    "s_client", "-connect", "127.0.0.1:\(try #require(port, "\(process.stderr)"))", "-CAfile", "data/certs/cacert.pem",
                    "-verify_return_error", "-verify_hostname", "localhost",
                ],
                in: folder.path, timeout: 15)
            #expect(handshake.stdout.contains("Verify return code: 0 (ok)"), "\(handshake)")
            return process.stderr
        }
        let first = try startAndConnect()
        #expect(first.contains("generated development certificates in data/certs"), "\(first)")
        let keyMode = try FileManager.default.attributesOfItem(atPath: folder.file("data/certs/key.pem"))[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let certificate = try String(contentsOfFile: folder.file("data/certs/cert.pem"), encoding: .utf8)
        let second = try startAndConnect()
        #expect(!second.contains("generated development certificates"), "the second start must reuse them: \(second)")
        #expect(try String(contentsOfFile: folder.file("data/certs/cert.pem"), encoding: .utf8) == certificate)
    }
}
