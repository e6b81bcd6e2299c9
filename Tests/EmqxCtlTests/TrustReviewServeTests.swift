import EmqxTestSupport
import Foundation
import Testing

/// A revoked client certificate no longer keeps working until a restart (emqx#9732): a reload
/// whose new CRL revokes a connected client names it, leaves it connected, and
/// `emqxctl reload --enforce` closes it (DISCONNECT 0x87 to paho), while a client whose
/// certificate is still good stays (Clients/trust_clients.py).
@Suite(.serialized) struct TrustReviewServeTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/trust_clients.py")
        .path

    @Test func revokedClientIsNamedThenClosedWithEnforce() throws {
        let adminPort = try Loopback.freePort()
        let config = """
            listeners.tcp.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            listeners.ssl.default {
              bind = "127.0.0.1:0"
              ssl_options {
                certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
                verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true, crlfile = "etc/certs/crl.pem"
              }
            }
            authorization { no_match = allow, sources = [] }
            dashboard.listeners.http.bind = \(adminPort)
            """
        let broker = try ServeHarness(config: config) { folder in
            let certs = folder.file("etc/certs")
            let made = [
                try Emqxctl.run(["cert", "gen", "--out", certs]),
                try Emqxctl.run(["cert", "issue", "client", "keeper", "--dir", certs, "--out", folder.file("etc/keeper")]),
                try Emqxctl.run(["cert", "crl", "--dir", certs]),
            ]
            #expect(made.allSatisfy { $0.status == 0 }, "\(made)")
        }
        #expect(Loopback.waitUntilListening(port: adminPort))
        let admin = ["--url", "http://127.0.0.1:\(adminPort)", "--admin-token", broker.folder.file("data/admin.token")]
        let clients = try Subprocess("python3", [Self.script, "\(broker.port)", "8"], workingDirectory: broker.folder.path).start()
        usleep(2_000_000)

        let certs = broker.folder.file("etc/certs")
        #expect(try Emqxctl.run(["cert", "revoke", "--dir", certs, broker.folder.file("etc/certs/client-cert.pem")]).status == 0)
        #expect(try Emqxctl.run(["cert", "crl", "--dir", certs]).status == 0)
        let reported = try Emqxctl.run(["reload"] + admin)
        #expect(reported.status == 0, "\(reported)")
        #expect(reported.stdout.contains("refused by the new trust: ssl:default client victim (CN="), "\(reported.stdout)")
        #expect(reported.stdout.contains("still connected (--enforce closes it)"))
        #expect(!reported.stdout.contains("client keeper"), "a good certificate was refused")
        usleep(500_000)
        let enforced = try Emqxctl.run(["reload", "--enforce"] + admin)
        #expect(enforced.status == 0, "\(enforced)")
        #expect(enforced.stdout.contains("client victim") && enforced.stdout.contains("; closed"), "\(enforced.stdout)")

        let outcome = clients.wait(timeout: 30)
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: [String: Any]], "\(outcome)")
        #expect(seen["victim"]?["connects"] as? Int == 1)
        #expect(seen["victim"]?["disconnects"] as? [Int] == [0x87], "\(seen)")
        #expect(seen["keeper"]?["connects"] as? Int == 1)
        #expect(seen["keeper"]?["disconnects"] as? [Int] == [], "\(seen)")
        // And the revoked certificate cannot come back.
        let again = try Subprocess(
            "mosquitto_pub",
            [
                "-h", "127.0.0.1", "-p", "\(broker.port)", "--cafile", "etc/certs/cacert.pem", "--cert", "etc/certs/client-cert.pem",
                "--key", "etc/certs/client-key.pem", "-t", "t", "-m", "x",
            ], workingDirectory: broker.folder.path
        ).run(timeout: 15)
        #expect(again.status != 0, "the revoked certificate connected again")
        #expect(broker.process.stderr.contains("refuse client victim"))
    }
}
