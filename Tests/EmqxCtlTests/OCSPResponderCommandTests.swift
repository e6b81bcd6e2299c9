import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl cert ocsp-responder` answering `openssl ocsp` (POST), python (bad requests) and
/// `serve`'s stapler (GET).
@Suite(.serialized) struct OCSPResponderCommandTests {
    struct Responder {
        let folder: TemporaryDirectory
        let process: Subprocess.Running
        let port: UInt16

        init() throws {
            folder = try TemporaryDirectory()
            let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs"), "--client", "sensor-1"])
            #expect(generated.status == 0, "\(generated)")
            process = try Subprocess(
                Emqxctl.binary, ["cert", "ocsp-responder", "--port", "0", "--validity", "30"], workingDirectory: folder.path
            )
            .start()
            let deadline = Date().addingTimeInterval(10)
            var found: UInt16?
            while found == nil && process.isRunning && Date() < deadline {
                if let range = process.stderr.range(of: "on http://127.0.0.1:") {
                    found = UInt16(process.stderr[range.upperBound...].prefix { $0.isNumber })
                }
                if found == nil { usleep(20_000) }
            }
            guard let found else { throw ServeHarness.HarnessFailure(description: "responder did not start: \(process.stop())") }
            port = found
        }

        /// `openssl ocsp` asking about `certificate` (POST), verifying against the CA.
        func ask(_ certificate: String, issuer: String = "etc/certs/cacert.pem", verify: Bool = true) throws -> Subprocess.Outcome {
            try OpenSSLCLI.run(
                ["ocsp", "-issuer", issuer, "-cert", certificate, "-url", "http://127.0.0.1:\(port)", "-CAfile", "etc/certs/cacert.pem"]
                    + (verify ? [] : ["-noverify"]), in: folder.path)
        }
    }

    @Test func answersGoodThenRevokedAtOnceAfterCertRevoke() throws {
        let responder = try Responder()
        defer { _ = responder.process.stop() }
        let good = try responder.ask("etc/certs/sensor-1-cert.pem")
        #expect(good.stdout.contains("Response verify OK") || good.stderr.contains("Response verify OK"), "\(good)")
        #expect(good.stdout.contains("etc/certs/sensor-1-cert.pem: good"), "\(good)")

        let revoked = try Emqxctl.run(
            ["cert", "revoke", "etc/certs/sensor-1-cert.pem", "--reason", "keyCompromise"], in: responder.folder.path)
        #expect(revoked.status == 0, "\(revoked)")
        let after = try responder.ask("etc/certs/sensor-1-cert.pem")
        #expect(after.stdout.contains("etc/certs/sensor-1-cert.pem: revoked"), "\(after)")
        #expect(after.stdout.contains("Reason: keyCompromise"), "\(after)")
        // The next-update window is the --validity.
        #expect(after.stdout.contains("Next Update:"))
        #expect(responder.process.stderr.contains("revoked"))
    }

    @Test func anotherCAsCertificateIsUnknown() throws {
        let responder = try Responder()
        defer { _ = responder.process.stop() }
        let other = try Emqxctl.run(["cert", "gen", "--out", responder.folder.file("other"), "--ca-cn", "Other CA"])
        #expect(other.status == 0, "\(other)")
        let outcome = try responder.ask("other/cert.pem", issuer: "other/cacert.pem", verify: false)
        #expect(outcome.stdout.contains("other/cert.pem: unknown"), "\(outcome)")
    }

    @Test func badRequestsGetAnOCSPErrorOrHTTP400() throws {
        let responder = try Responder()
        defer { _ = responder.process.stop() }
        let script = """
            import sys, urllib.request, urllib.error
            base = "http://127.0.0.1:%s" % sys.argv[1]
            post = urllib.request.Request(base + "/", data=b"not der", headers={"Content-Type": "application/ocsp-request"})
            print(urllib.request.urlopen(post).read().hex())
            for path in ["/%%%", "/bm90IGRlcg%3D%3D"]:
                try:
                    print(urllib.request.urlopen(base + path).read().hex())
                except urllib.error.HTTPError as error:
                    print(error.code)
            try:
                urllib.request.urlopen(urllib.request.Request(base + "/", method="PUT", data=b"x"))
            except urllib.error.HTTPError as error:
                print(error.code)
            try:
                urllib.request.urlopen(urllib.request.Request(base + "/", data=b"0" * 70000))
            except urllib.error.HTTPError as error:
                print(error.code)
            """
        try responder.folder.write("bad.py", script)
        let outcome = try Subprocess("python3", ["bad.py", "\(responder.port)"], workingDirectory: responder.folder.path).run(timeout: 20)
        // malformedRequest (1) for DER that is not a request, including "not der" sent by GET;
        // 400 for a path that is not base64 and for a body over 64 kB; 405 for other methods.
        #expect(outcome.stdout == "30030a0101\n400\n30030a0101\n405\n400\n", "\(outcome)")
        #expect(responder.process.isRunning)
    }

    @Test func serveStaplesWhatTheResponderAnswers() throws {
        let responder = try Responder()
        defer { _ = responder.process.stop() }
        let config = OCSPStaplingServeTests.config(responderPort: responder.port)
        let broker = try ServeHarness(config: config) { folder in
            try FileManager.default.copyItem(atPath: responder.folder.file("etc"), toPath: folder.file("etc"))
        }
        #expect(OCSPStaplingServeTests.waitForLog(broker, "OCSP staple for ssl:default: good", seconds: 3), "\(broker.process.stderr)")
        let result = try OCSPStaplingServeTests.handshake(broker)
        #expect(result.verified)
        #expect(result.staple.contains("Cert Status: good"), "\(result.staple)")
    }

    @Test func aMissingCAFolderFailsAndABadPortIsAUsageError() throws {
        let folder = try TemporaryDirectory()
        let missing = try Emqxctl.run(["cert", "ocsp-responder", "--dir", "nowhere"], in: folder.path)
        #expect(missing.status == 1, "\(missing)")
        let badPort = try Emqxctl.run(["cert", "ocsp-responder", "--port", "70000"], in: folder.path)
        #expect(badPort.status == 64, "\(badPort)")
        #expect(badPort.stderr.contains("--port must be 0 to 65535"))
    }
}
