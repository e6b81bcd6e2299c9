import EmqxTestSupport
import Foundation
import Testing

/// `serve` with `enable_crl_check`: CRLs from the clients' distribution points (served by
/// `python3 -m http.server`) and from `crlfile`, checked with mosquitto_pub and s_client.
@Suite(.serialized) struct CRLServeTests {
    /// A CA folder whose certificates name http://127.0.0.1:PORT/crl.pem (when `point`),
    /// with clients alice and bob, bob revoked, and the CRL published.
    /// With `intermediate`, the clients are issued by an intermediate CA (which names the same
    /// point, where no CRL of the root is found: intermediates are checked only with one).
    static func makePKI(in folder: TemporaryDirectory, point: UInt16?, intermediate: Bool = false, file: String = "crl.pem") throws {
        let url = point.map { ["--crl-url", "http://127.0.0.1:\($0)/\(file)"] } ?? []
        let steps: [[String]] = [
            ["cert", "gen", "--out", "etc/certs", "--client", "alice", "--client", "bob"] + url + (intermediate ? ["--intermediate"] : []),
            ["cert", "revoke", "etc/certs/bob-cert.pem", "--reason", "keyCompromise"],
            ["cert", "crl"],
        ]
        for step in steps {
            let outcome = try Emqxctl.run(step, in: folder.path)
            guard outcome.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(step): \(outcome)") }
        }
    }

    static func config(_ sslExtra: String, cache: String = "") -> String {
        """
        listeners.tcp.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        \(cache)
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true
            \(sslExtra)
          }
        }
        """
    }

    /// `python3 -m http.server` serving the CA folder (crl.pem among it).
    static func startCRLServer(in folder: TemporaryDirectory, port: UInt16) throws -> Subprocess.Running {
        let server = try Subprocess(
            "python3", ["-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", "etc/certs"], workingDirectory: folder.path
        ).start()
        #expect(Loopback.waitUntilListening(port: port), "http.server did not listen: \(server.stderr)")
        return server
    }

    /// mosquitto_pub with `client`'s certificate: true when the broker accepted the CONNECT.
    static func publish(_ broker: ServeHarness, as client: String) throws -> (accepted: Bool, output: String) {
        let outcome = try Subprocess(
            "mosquitto_pub",
            [
                "-h", "localhost", "-p", "\(broker.port)", "--cafile", "etc/certs/cacert.pem", "--cert", "etc/certs/\(client)-cert.pem",
                "--key", "etc/certs/\(client)-key.pem", "-t", "crl/test", "-m", "hello", "-d",
            ],
            workingDirectory: broker.folder.path
        ).run(timeout: 20)
        return (outcome.status == 0 && outcome.stdout.contains("received CONNACK (0)"), outcome.stdout + outcome.stderr)
    }

    /// `openssl s_client`; `refused` waits for the server to close (-ign_eof), since with TLS
    /// 1.3 the alert comes after the client's side of the handshake is done.
    static func sClient(_ broker: ServeHarness, as client: String, refused: Bool = false) throws -> String {
        let outcome = try OpenSSLCLI.run(
            [
                "s_client", "-connect", "127.0.0.1:\(broker.port)", "-CAfile", "etc/certs/cacert.pem", "-cert",
                "etc/certs/\(client)-cert.pem",
                "-key", "etc/certs/\(client)-key.pem", "-cert_chain", "etc/certs/\(client)-cert.pem",  // its intermediate, if any
            ] + (refused ? ["-ign_eof"] : []), in: broker.folder.path, input: "", timeout: 15)
        return outcome.stdout + outcome.stderr
    }

    @Test(arguments: [false, true])
    func aGoodClientIsAcceptedAndARevokedOneRefusedWithCertificateRevoked(intermediate: Bool) throws {
        let point = try Loopback.freePort()
        var http: Subprocess.Running?
        let broker = try ServeHarness(config: Self.config("")) { folder in
            try Self.makePKI(in: folder, point: point, intermediate: intermediate)
            http = try Self.startCRLServer(in: folder, port: point)
        }
        defer { _ = http?.stop() }
        // alice meets the distribution point first: the broker fetches it, then judges her.
        let alice = try Self.publish(broker, as: "alice")
        #expect(alice.accepted, "\(alice.output)")
        #expect(broker.process.stderr.contains("CRL for ssl:default from http://127.0.0.1:\(point)/crl.pem: 1 revoked"))
        // bob's CRL is cached now: OpenSSL refuses him inside the handshake, with the alert.
        let bob = try Self.publish(broker, as: "bob")
        #expect(!bob.accepted)
        #expect(bob.output.contains("certificate revoked"), "\(bob.output)")
        #expect(try Self.sClient(broker, as: "bob", refused: true).contains("alert certificate revoked"))
        #expect(try Self.sClient(broker, as: "alice").contains("Verify return code: 0 (ok)"))
        #expect(broker.process.stderr.contains("TLS handshake failed: the client certificate is revoked"))
    }

    @Test func aRevokedClientThatMeetsAFreshPointIsRefusedOnceItIsFetched() throws {
        let point = try Loopback.freePort()
        var http: Subprocess.Running?
        let broker = try ServeHarness(config: Self.config("")) { folder in
            try Self.makePKI(in: folder, point: point)
            http = try Self.startCRLServer(in: folder, port: point)
        }
        defer { _ = http?.stop() }
        let bob = try Self.publish(broker, as: "bob")
        #expect(!bob.accepted, "\(bob.output)")
        let deadline = Date().addingTimeInterval(5)
        while !broker.process.stderr.contains("CN=bob") && Date() < deadline { usleep(20_000) }
        #expect(broker.process.stderr.contains("the client certificate is revoked: CN=bob"), "\(broker.process.stderr)")
        #expect(broker.process.stderr.contains("(keyCompromise)"))
    }

    @Test(arguments: [("fail_closed", false), ("fail_open", true)])
    func anUnreachablePointFollowsThePolicy(_ policy: String, _ accepted: Bool) throws {
        let point = try Loopback.freePort()  // nothing listens there
        let broker = try ServeHarness(config: Self.config("crl_unavailable = \(policy)")) { folder in
            try Self.makePKI(in: folder, point: point)
        }
        for attempt in 0..<2 {  // the first meets the point fresh, the second its failed state
            let alice = try Self.publish(broker, as: "alice")
            #expect(alice.accepted == accepted, "attempt \(attempt): \(alice.output)")
        }
        let log = broker.process.stderr
        #expect(log.contains("connection refused"), "\(log)")
        if accepted {
            #expect(log.contains("client accepted without a CRL check (crl_unavailable = fail_open)"))
        } else {
            #expect(log.contains("TLS handshake failed: no usable CRL"))
            #expect(log.contains("(crl_unavailable = fail_closed)"))
            #expect(try Self.sClient(broker, as: "alice", refused: true).contains("alert bad certificate"))
        }
    }

    /// A point that answers, but not with a CRL: refused under fail_closed, with the reason.
    @Test(arguments: [
        ("missing.pem", "the server answered HTTP 404"),
        ("cacert.pem", "holds no CRL"),
        ("index.txt", "is neither PEM"),
    ])
    func aPointThatServesNoCRLIsUnavailable(_ file: String, _ reason: String) throws {
        let point = try Loopback.freePort()
        var http: Subprocess.Running?
        let broker = try ServeHarness(config: Self.config("")) { folder in
            try Self.makePKI(in: folder, point: point, file: file)
            http = try Self.startCRLServer(in: folder, port: point)
        }
        defer { _ = http?.stop() }
        #expect(!(try Self.publish(broker, as: "alice").accepted))
        let log = broker.process.stderr
        #expect(log.contains(reason) && log.contains("TLS handshake failed: no usable CRL"), "\(log)")
    }

    @Test func crlfileServesOfflineSitesAndIsReReadWhenItChanges() throws {
        let broker = try ServeHarness(config: Self.config(#"crlfile = "etc/certs/crl.pem""#)) { folder in
            try Self.makePKI(in: folder, point: nil)
        }
        #expect(broker.process.stderr.contains("CRL for ssl:default from"))
        #expect(try Self.publish(broker, as: "alice").accepted)
        #expect(!(try Self.publish(broker, as: "bob").accepted))

        // alice is revoked after start: the next CRL in the file applies within seconds.
        usleep(1_100_000)  // a new modification time, even on coarse clocks
        for step in [["cert", "revoke", "etc/certs/alice-cert.pem"], ["cert", "crl"]] {
            let outcome = try Emqxctl.run(step, in: broker.folder.path)
            #expect(outcome.status == 0, "\(outcome)")
        }
        let deadline = Date().addingTimeInterval(10)
        while !broker.process.stderr.contains("2 revoked") && Date() < deadline { usleep(100_000) }
        #expect(broker.process.stderr.contains("2 revoked"), "\(broker.process.stderr)")
        let alice = try Self.publish(broker, as: "alice")
        #expect(!alice.accepted)
        #expect(alice.output.contains("certificate revoked"), "\(alice.output)")

        // A broken rewrite of the file is reported and the CRLs it held stay in force.
        usleep(1_100_000)
        _ = try broker.folder.write("etc/certs/crl.pem", "-----BEGIN X509 CRL-----\ntruncated")
        let stale = Date().addingTimeInterval(10)
        while !broker.process.stderr.contains("not loaded") && Date() < stale { usleep(100_000) }
        #expect(broker.process.stderr.contains("keeping what it held before"), "\(broker.process.stderr)")
        #expect(!(try Self.publish(broker, as: "alice").accepted))
    }

    /// crl_cache.refresh_interval has a floor of one minute, so this waits about that long.
}

/// The one CRL test that waits out crl_cache's one-minute refresh floor, in a suite of its own
/// so that it runs beside the others instead of after them.
@Suite struct CRLRefreshServeTests {
    @Test func aCertificateRevokedAfterStartIsRefusedOnceTheCRLRefreshes() throws {
        let point = try Loopback.freePort()
        var http: Subprocess.Running?
        let broker = try ServeHarness(config: CRLServeTests.config("", cache: "crl_cache { refresh_interval = 1m }")) { folder in
            try CRLServeTests.makePKI(in: folder, point: point)
            http = try CRLServeTests.startCRLServer(in: folder, port: point)
        }
        defer { _ = http?.stop() }
        #expect(try CRLServeTests.publish(broker, as: "alice").accepted)
        for step in [["cert", "revoke", "etc/certs/alice-cert.pem"], ["cert", "crl"]] {
            let outcome = try Emqxctl.run(step, in: broker.folder.path)
            #expect(outcome.status == 0, "\(outcome)")
        }
        #expect(try CRLServeTests.publish(broker, as: "alice").accepted, "the cached CRL still applies until the refresh")
        let deadline = Date().addingTimeInterval(90)
        while !broker.process.stderr.contains("2 revoked") && Date() < deadline { usleep(250_000) }
        #expect(broker.process.stderr.contains("2 revoked"), "\(broker.process.stderr)")
        #expect(!(try CRLServeTests.publish(broker, as: "alice").accepted))
    }
}
