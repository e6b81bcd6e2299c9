import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl status --config`: the health of a config's files with no broker running, and its
/// exit codes (0 healthy, 1 a warning, 2 an error, 3 nothing to ask), as cron and Nagios read
/// them; and the admin endpoint over https, on the broker's own TLS.
@Suite(.serialized) struct StatusCommandTests {
    static let config = """
        listeners.tcp.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem" }
        }
        authorization { no_match = allow, sources = [] }
        """

    /// A CA folder whose server certificate is valid for `days`.
    static func folder(days: Int) throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        #expect(try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs"), "--days", "\(days)"]).status == 0)
        try folder.write("emqx.conf", config)
        return folder
    }

    @Test func exitCodesFollowTheWorstProblem() throws {
        let healthy = try Self.folder(days: 400)
        let ok = try Emqxctl.run(["status", "--config", "emqx.conf"], in: healthy.path)
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.hasPrefix("emqxctl status: ok (from the files)"))
        #expect(ok.stdout.contains("ssl:default leaf: CN=localhost"))

        let expiring = try Self.folder(days: 10)
        let warned = try Emqxctl.run(["status", "--config", "emqx.conf"], in: expiring.path)
        #expect(warned.status == 1, "\(warned)")
        #expect(warned.stdout.contains("warning: ssl:default etc/certs/cert.pem#0: CN=localhost expires"))
        let narrower = try Emqxctl.run(["status", "--config", "emqx.conf", "--warn-days", "5"], in: expiring.path)
        #expect(narrower.status == 0, "\(narrower)")

        // A broken renewal (the CA's key as the server's): an error, with the config's words.
        try FileManager.default.removeItem(atPath: expiring.file("etc/certs/key.pem"))
        try FileManager.default.copyItem(atPath: expiring.file("etc/certs/cakey.pem"), toPath: expiring.file("etc/certs/key.pem"))
        let broken = try Emqxctl.run(["status", "--config", "emqx.conf", "--format", "json"], in: expiring.path)
        #expect(broken.status == 2, "\(broken)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(broken.stdout.utf8)) as? [String: Any])
        #expect(json["health"] as? String == "error")
        #expect(json["source"] as? String == "files")
        let problems = json["problems"] as? [[String: Any]] ?? []
        #expect(problems.first?["subject"] as? String == "listeners.ssl.default.ssl_options.keyfile", "\(problems)")

        let nobody = try Emqxctl.run(["status", "--url", "http://127.0.0.1:\(try Loopback.freePort())"])
        #expect(nobody.status == 3, "\(nobody)")
        #expect(nobody.stderr.contains("cannot reach the admin endpoint"))
    }

    @Test func adminEndpointOverHTTPS() throws {
        let adminPort = try Loopback.freePort()
        let broker = try ServeHarness(
            config: Self.config + """

                dashboard.listeners.https {
                  bind = "127.0.0.1:\(adminPort)"
                  ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem" }
                }
                """
        ) { folder in
            let made = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            #expect(made.status == 0)
        }
        #expect(Loopback.waitUntilListening(port: adminPort))
        let url = "https://localhost:\(adminPort)"
        let curl = try Subprocess(
            "curl", ["-s", "--cacert", "etc/certs/cacert.pem", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/api/v5/status"],
            workingDirectory: broker.folder.path
        ).run(timeout: 15)
        #expect(curl.stdout == "200", "\(curl)")
        let untrusted = try Subprocess("curl", ["-s", "-o", "/dev/null", "\(url)/metrics"], workingDirectory: broker.folder.path).run(
            timeout: 15)
        #expect(untrusted.status != 0, "curl trusted a certificate it has no CA for")
        let status = try Emqxctl.run(["status", "--url", url, "--cacert", "etc/certs/cacert.pem"], in: broker.folder.path)
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout.contains("(running broker)"))
        func servedSerial() throws -> String {
            try Subprocess(
                "sh",
                [
                    "-c",
                    "openssl s_client -connect 127.0.0.1:\(adminPort) -CAfile etc/certs/cacert.pem </dev/null 2>/dev/null | openssl x509 -noout -serial",
                ],
                workingDirectory: broker.folder.path
            ).run(timeout: 20).stdout
        }
        let before = try servedSerial()
        // A renewal: the endpoint's certificate is renewed in place by a reload.
        let renewed = try Emqxctl.run(
            ["cert", "issue", "server", "localhost", "--san", "localhost", "--dir", "etc/certs", "--out", "etc/renewed"],
            in: broker.folder.path)
        #expect(renewed.status == 0, "\(renewed)")
        for (from, to) in [("localhost-cert.pem", "cert.pem"), ("localhost-key.pem", "key.pem")] {
            let text = try String(contentsOfFile: broker.folder.file("etc/renewed/\(from)"), encoding: .utf8)
            try text.write(toFile: broker.folder.file("etc/certs/\(to)"), atomically: true, encoding: .utf8)
        }
        let reload = try Emqxctl.run(["reload", "--url", url, "--cacert", "etc/certs/cacert.pem"], in: broker.folder.path)
        #expect(reload.status == 0 && reload.stdout.contains("dashboard.listeners.https ssl_options"), "\(reload)")
        let after = try servedSerial()
        #expect(before.hasPrefix("serial=") && after.hasPrefix("serial=") && after != before, "\(before) \(after)")
        let noCA = try Emqxctl.run(["status", "--url", url], in: broker.folder.path)
        #expect(noCA.status == 3 && noCA.stderr.contains("--cacert"), "\(noCA)")
    }
}
