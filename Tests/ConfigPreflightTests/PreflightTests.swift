import CertTools
import ConfigModel
import ConfigPreflight
import EmqxTestSupport
import Foundation
import Testing

/// Preflight against real files: each check fires on the broken case and stays quiet on the
/// good one.
@Suite struct PreflightTests {
    static func listener(_ sslOptions: String, versions: String = "[\"tlsv1.3\", \"tlsv1.2\"]") -> String {
        """
        listeners.ssl.default.ssl_options {
          certfile = "etc/certs/cert.pem"
          keyfile = "etc/certs/key.pem"
          cacertfile = "etc/certs/cacert.pem"
          versions = \(versions)
          \(sslOptions)
        }
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        """
    }

    @Test func generatedPKIPassesEveryCheck() throws {
        for intermediate in [false, true] {
            let workspace = try PreflightWorkspace(intermediate: intermediate)
            let diagnostics = try workspace.check(Self.listener("verify = verify_peer\nfail_if_no_peer_cert = true"))
            #expect(diagnostics.filter { $0.severity != .note }.isEmpty, "\(diagnostics.rendered)")
        }
    }

    @Test func missingFilesNameThePathAndTheWorkingDirectory() throws {
        let workspace = try PreflightWorkspace()
        let diagnostics = try workspace.check("listeners.ssl.default.ssl_options.certfile = \"etc/certs/nope.pem\"\n")
        let missing = diagnostics.with(.fileMissing)
        #expect(missing.count == 1, "\(diagnostics.rendered)")
        #expect(missing.first?.location?.line == 1)
        #expect(
            missing.first?.message.contains("etc/certs/nope.pem does not exist; relative paths are read from the working directory") == true
        )
    }

    @Test func implicitListenerFilesSayWhereTheyComeFrom() throws {
        let workspace = try PreflightWorkspace()
        try FileManager.default.removeItem(atPath: workspace.folder.file("etc/certs/cert.pem"))
        let diagnostics = try workspace.check("listeners.tcp.default.bind = 1883\n")
        let missing = try #require(diagnostics.with(.fileMissing).first, "\(diagnostics.rendered)")
        #expect(missing.keyPath == "listeners.ssl.default.ssl_options.certfile")
        #expect(missing.message.contains("the default of ssl:default, which EMQX adds implicitly"))
    }

    @Test func keyThatDoesNotMatchTheCertificate() throws {
        let workspace = try PreflightWorkspace()
        let diagnostics = try workspace.check(Self.listener("keyfile = \"etc/certs/client-key.pem\""))
        #expect(diagnostics.with(.keyMismatch).count == 1, "\(diagnostics.rendered)")
    }

    @Test func notPEMAndWrongContents() throws {
        let workspace = try PreflightWorkspace()
        try workspace.write("etc/certs/garbage.pem", "not a certificate\n")
        let diagnostics = try workspace.check(Self.listener("certfile = \"etc/certs/garbage.pem\"\ncacertfile = \"etc/certs/key.pem\""))
        #expect(diagnostics.with(.fileNotPEM).count == 2, "\(diagnostics.rendered)")
    }

    @Test func encryptedKeyNeedsTheRightPassword() throws {
        let workspace = try PreflightWorkspace()
        let key = try CryptoFile.privateKey(path: workspace.folder.file("etc/certs/key.pem"))
        try workspace.write("etc/certs/key.enc.pem", try key.pemEncoded(passphrase: try Passphrase("hunter22")))
        try workspace.write("etc/key.pass", "hunter22\n")
        let none = try workspace.check(Self.listener("keyfile = \"etc/certs/key.enc.pem\""))
        #expect(none.with(.keyPassword).first?.message.contains("is encrypted and no password is set") == true, "\(none.rendered)")
        let wrong = try workspace.check(Self.listener("keyfile = \"etc/certs/key.enc.pem\"\npassword = \"guess\""))
        #expect(wrong.with(.keyPassword).first?.message.contains("the password does not decrypt") == true, "\(wrong.rendered)")
        #expect(!wrong.rendered.contains("guess"))
        let right = try workspace.check(Self.listener("keyfile = \"etc/certs/key.enc.pem\"\npassword = \"hunter22\""))
        #expect(right.errors.isEmpty, "\(right.rendered)")
        let fromFile = try workspace.check(Self.listener("keyfile = \"etc/certs/key.enc.pem\"\npassword = \"file://etc/key.pass\""))
        #expect(fromFile.errors.isEmpty, "\(fromFile.rendered)")
    }

    @Test func expiredAndExpiringCertificates() throws {
        let workspace = try PreflightWorkspace()
        let config = Self.listener("")
        let later = Date().addingTimeInterval(824 * 86400)
        let expiring = try workspace.check(config, now: later)
        #expect(expiring.with(.certificateExpiring).count == 1, "\(expiring.rendered)")
        #expect(expiring.errors.isEmpty, "\(expiring.rendered)")
        let expired = try workspace.check(config, now: Date().addingTimeInterval(900 * 86400))
        #expect(expired.with(.certificateExpired).count == 1, "\(expired.rendered)")
    }

    @Test func serverCertificateWithoutSAN() throws {
        let workspace = try PreflightWorkspace()
        // The client certificate has no SAN: serve it as if it were a server's.
        let diagnostics = try workspace.check(
            Self.listener("certfile = \"etc/certs/client-cert.pem\"\nkeyfile = \"etc/certs/client-key.pem\""))
        #expect(diagnostics.with(.certificateNoSAN).count == 1, "\(diagnostics.rendered)")
    }

    @Test func chainProblems() throws {
        let workspace = try PreflightWorkspace(intermediate: true)
        let leaf = try CryptoFile.certificates(path: workspace.folder.file("etc/certs/cert.pem"))[0]
        try workspace.write("etc/certs/leaf-only.pem", leaf.pemEncoded)
        let missing = try workspace.check(Self.listener("certfile = \"etc/certs/leaf-only.pem\""))
        #expect(missing.with(.chainInvalid).first?.severity == .error, "\(missing.rendered)")

        let other = try PreflightWorkspace()
        try workspace.write(
            "etc/certs/other-ca.pem", try String(contentsOfFile: other.folder.file("etc/certs/cacert.pem"), encoding: .utf8))
        let foreign = try workspace.check(Self.listener("cacertfile = \"etc/certs/other-ca.pem\""))
        #expect(foreign.with(.chainInvalid).first?.severity == .warning, "\(foreign.rendered)")
    }

    @Test func ocspIssuerMustHaveIssuedTheLeaf() throws {
        let workspace = try PreflightWorkspace(intermediate: true)
        let ocsp = { (issuer: String) in
            Self.listener("ocsp { enable_ocsp_stapling = true, responder_url = \"http://127.0.0.1:9877\", issuer_pem = \"\(issuer)\" }")
        }
        let wrong = try workspace.check(ocsp("etc/certs/cacert.pem"))
        #expect(wrong.with(.ocspIssuerMismatch).count == 1, "\(wrong.rendered)")
        let right = try workspace.check(ocsp("etc/certs/intermediate-cert.pem"))
        #expect(right.with(.ocspIssuerMismatch).isEmpty, "\(right.rendered)")
    }

    @Test func crlfileMustBeSignedByATrustedCAAndCurrent() throws {
        let workspace = try PreflightWorkspace()
        var authority = try CertificateAuthority.open(folder: workspace.folder.file("etc/certs"))
        try workspace.write("etc/certs/crl.pem", try authority.makeCRL(days: 7, now: Date()).pemEncoded)
        try workspace.write("etc/certs/old.pem", try authority.makeCRL(days: 1, now: Date().addingTimeInterval(-3 * 86400)).pemEncoded)
        let otherWorkspace = try PreflightWorkspace()
        var other = try CertificateAuthority.open(folder: otherWorkspace.folder.file("etc/certs"))
        try workspace.write("etc/certs/other.pem", try other.makeCRL(days: 7, now: Date()).pemEncoded)
        let crl = { (file: String, extra: String) in
            Self.listener("verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true, crlfile = \"\(file)\"\(extra)")
        }

        let good = try workspace.check(crl("etc/certs/crl.pem", ""))
        #expect(good.filter { $0.severity != .note }.isEmpty, "\(good.rendered)")
        let foreign = try workspace.check(crl("etc/certs/other.pem", ""))
        #expect(foreign.with(.crlInvalid).count == 1, "\(foreign.rendered)")
        let expired = try workspace.check(crl("etc/certs/old.pem", ""))
        #expect(expired.with(.crlExpired).first?.severity == .error, "\(expired.rendered)")
        #expect(expired.with(.crlExpired).first?.message.contains("every client certificate from that CA is refused") == true)
        let lenient = try workspace.check(crl("etc/certs/old.pem", ", crl_unavailable = fail_open"))
        #expect(lenient.with(.crlExpired).first?.severity == .warning, "\(lenient.rendered)")
        let notCRL = try workspace.check(crl("etc/certs/cacert.pem", ""))
        #expect(notCRL.with(.fileNotPEM).first?.message.contains("holds no CRL") == true, "\(notCRL.rendered)")
        #expect(good.with(.crlSource).isEmpty, "\(good.rendered)")
        let pointsOnly = try workspace.check(Self.listener("verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true"))
        #expect(pointsOnly.with(.crlSource).first?.message.contains("refused until a CRL of its CA is at hand") == true)
        let unused = try workspace.check(Self.listener("crlfile = \"etc/certs/crl.pem\""))
        #expect(unused.with(.noEffect).contains { $0.message.contains("crlfile has no effect") }, "\(unused.rendered)")
    }

    @Test func pskInitFileMustExist() throws {
        let workspace = try PreflightWorkspace()
        let diagnostics = try workspace.check("psk_authentication { enable = true, init_file = \"data/init.psk\" }\n" + Self.listener(""))
        #expect(diagnostics.with(.pskInitFile).count == 1, "\(diagnostics.rendered)")
    }

    @Test func outboundTLSFilesAreCheckedToo() throws {
        let workspace = try PreflightWorkspace()
        let config = """
            authentication = [{
              backend = http
              ssl { enable = true, verify = verify_peer, cacertfile = "etc/certs/cacert.pem",
                    certfile = "etc/certs/client-cert.pem", keyfile = "etc/certs/key.pem" }
            }]
            """
        let diagnostics = try workspace.check(config + "\n" + Self.listener(""))
        #expect(diagnostics.with(.keyMismatch).first?.keyPath == "authentication.1.ssl.keyfile", "\(diagnostics.rendered)")
    }
}
