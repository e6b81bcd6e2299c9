import CertTools
import EmqxTestSupport
import Foundation
import Testing

/// issue → revoke → crl, checked with `openssl verify -crl_check` and `openssl ocsp -index`.
@Suite struct CertLifecycleTests {
    @Test func issuedServerCertificateVerifiesForItsName() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.path, "--intermediate"]).status == 0)
        let issued = try Emqxctl.run([
            "cert", "issue", "server", "broker2.example.com", "--dir", folder.path, "--san", "broker2.example.com", "--san", "10.0.0.6",
        ])
        #expect(issued.status == 0, "\(issued)")
        let verified = try OpenSSLCLI.run(
            [
                "verify", "-x509_strict", "-CAfile", "cacert.pem", "-untrusted", "broker2.example.com-cert.pem",
                "-verify_hostname", "broker2.example.com", "-purpose", "sslserver", "broker2.example.com-cert.pem",
            ],
            in: folder.path
        )
        #expect(verified.status == 0, "\(verified)")
        let index = try String(contentsOfFile: folder.file("index.txt"), encoding: .utf8)
        #expect(index.split(separator: "\n").count == 3)
        #expect(index.contains("/CN=broker2.example.com"))

        let again = try Emqxctl.run(["cert", "issue", "server", "broker2.example.com", "--dir", folder.path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exist"))
        #expect(try String(contentsOfFile: folder.file("index.txt"), encoding: .utf8) == index)
    }

    @Test func caKeyThatIsNotTheCAsIsRefused() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.path]).status == 0)
        try FileManager.default.removeItem(atPath: folder.file("cakey.pem"))
        try FileManager.default.copyItem(atPath: folder.file("client-key.pem"), toPath: folder.file("cakey.pem"))
        let index = try String(contentsOfFile: folder.file("index.txt"), encoding: .utf8)
        let outcome = try Emqxctl.run(["cert", "issue", "client", "dev-2", "--dir", folder.path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("cakey.pem: this key does not belong to the CA certificate CN=emqxctl Root CA"), "\(outcome)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("dev-2-cert.pem")))
        #expect(try String(contentsOfFile: folder.file("index.txt"), encoding: .utf8) == index)
    }

    @Test func corruptCAStateIsReportedWithItsLine() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.path]).status == 0)
        let index = try String(contentsOfFile: folder.file("index.txt"), encoding: .utf8)
        try folder.write("index.txt", index + "V\tnot-a-time\t\t0A\tunknown\t/CN=x\n")
        let outcome = try Emqxctl.run(["cert", "revoke", "--serial", "0A", "--dir", folder.path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("index.txt: line 3: \"not-a-time\" is not a time"), "\(outcome)")
        let notAFolder = try Emqxctl.run(["cert", "crl", "--dir", folder.file("nowhere")])
        #expect(notAFolder.stderr.contains("no cacert.pem here"), "\(notAFolder)")
    }

    @Test func serverWithoutHostNameNeedsSANs() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.path]).status == 0)
        let outcome = try Emqxctl.run(["cert", "issue", "server", "my_broker", "--dir", folder.path])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("give the server's names with --san"), "\(outcome)")
    }

    @Test(arguments: [false, true])
    func revokedCertificateIsRevokedForOpenSSL(intermediate: Bool) throws {
        let folder = try TemporaryDirectory()
        var generate = ["cert", "gen", "--out", folder.path, "--client", "alice", "--client", "bob"]
        if intermediate { generate.append("--intermediate") }
        try #require(try Emqxctl.run(generate).status == 0)

        let revoked = try Emqxctl.run(["cert", "revoke", folder.file("alice-cert.pem"), "--dir", folder.path, "--reason", "keyCompromise"])
        #expect(revoked.status == 0, "\(revoked)")
        let crl = try Emqxctl.run(["cert", "crl", "--dir", folder.path, "--days", "7"])
        #expect(crl.status == 0, "\(crl)")

        let caFile = intermediate ? "chain.pem" : "cacert.pem"
        if intermediate {
            let chain =
                try String(contentsOfFile: folder.file("cacert.pem"), encoding: .utf8)
                + (try String(contentsOfFile: folder.file("intermediate-cert.pem"), encoding: .utf8))
            try folder.write("chain.pem", chain)
        }
        let alice = try OpenSSLCLI.run(
            ["verify", "-crl_check", "-CAfile", caFile, "-CRLfile", "crl.pem", "alice-cert.pem"], in: folder.path)
        #expect(alice.status != 0)
        #expect(alice.stdout.contains("certificate revoked") || alice.stderr.contains("certificate revoked"), "\(alice)")
        let bob = try OpenSSLCLI.run(["verify", "-crl_check", "-CAfile", caFile, "-CRLfile", "crl.pem", "bob-cert.pem"], in: folder.path)
        #expect(bob.status == 0, "\(bob)")

        let text = try OpenSSLCLI.run(["crl", "-in", "crl.pem", "-noout", "-text"], in: folder.path).stdout
        #expect(text.contains("Key Compromise"))
        #expect(text.contains("X509v3 CRL Number: \n                1"))

        // A second CRL gets the next number.
        try #require(try Emqxctl.run(["cert", "crl", "--dir", folder.path]).status == 0)
        let second = try OpenSSLCLI.run(["crl", "-in", "crl.pem", "-noout", "-crlnumber"], in: folder.path).stdout
        #expect(second.contains("crlNumber=0x02"), "\(second)")
    }

    @Test func revokeBySerialAndTwiceAndForeignCertificates() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.file("a")]).status == 0)
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.file("b")]).status == 0)
        let serial = try #require(try CryptoFile.certificates(path: folder.file("a/client-cert.pem")).first).serialNumber

        let bySerial = try Emqxctl.run(["cert", "revoke", "--serial", serial.hex.lowercased(), "--dir", folder.file("a")])
        #expect(bySerial.status == 0, "\(bySerial)")
        let twice = try Emqxctl.run(["cert", "revoke", "--serial", serial.hex, "--dir", folder.file("a")])
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("was already revoked"))
        let unknown = try Emqxctl.run(["cert", "revoke", "--serial", "0BADC0DE", "--dir", folder.file("a")])
        #expect(unknown.stderr.contains("was not issued by this CA"))
        let foreign = try Emqxctl.run(["cert", "revoke", folder.file("b/client-cert.pem"), "--dir", folder.file("a")])
        #expect(foreign.status == 64)
        #expect(foreign.stderr.contains("was not issued by the CA in"))
        let badReason = try Emqxctl.run(["cert", "revoke", "--serial", serial.hex, "--reason", "lost", "--dir", folder.file("a")])
        #expect(badReason.stderr.contains("is not a revocation reason"))
    }

    @Test func opensslOCSPAnswersFromTheIndex() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.path, "--client", "alice"]).status == 0)
        try #require(
            try Emqxctl.run(["cert", "revoke", folder.file("alice-cert.pem"), "--dir", folder.path, "--reason", "superseded"]).status == 0)
        try #require(try Emqxctl.run(["cert", "issue", "client", "ocsp-signer", "--dir", folder.path]).status == 0)
        func status(_ certificate: String) throws -> String {
            let request = try OpenSSLCLI.run(
                ["ocsp", "-issuer", "cacert.pem", "-cert", certificate, "-reqout", "\(certificate).req", "-no_nonce"], in: folder.path)
            try #require(request.status == 0, "\(request)")
            let response = try OpenSSLCLI.run(
                [
                    "ocsp", "-index", "index.txt", "-CA", "cacert.pem", "-rsigner", "cacert.pem", "-rkey", "cakey.pem",
                    "-reqin", "\(certificate).req", "-respout", "\(certificate).resp",
                ],
                in: folder.path
            )
            try #require(response.status == 0, "\(response)")
            let read = try OpenSSLCLI.run(
                [
                    "ocsp", "-respin", "\(certificate).resp", "-issuer", "cacert.pem", "-cert", certificate, "-CAfile", "cacert.pem",
                    "-no_nonce",
                ],
                in: folder.path
            )
            return read.stdout + read.stderr
        }
        #expect(try status("alice-cert.pem").contains("alice-cert.pem: revoked"))
        #expect(try status("client-cert.pem").contains("client-cert.pem: good"))
    }
}
