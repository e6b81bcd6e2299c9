import CertTools
import EmqxTestSupport
import Foundation
import Testing

@Suite struct CertInspectVerifyTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory()
        let generated = try Emqxctl.run(["cert", "gen", "--out", folder.path, "--intermediate", "--san", "broker.test"])
        try #require(generated.status == 0, "\(generated)")
    }

    @Test func inspectShowsEachCertificateOfAChain() throws {
        let outcome = try Emqxctl.run(["cert", "inspect", folder.file("cert.pem"), folder.file("key.pem")])
        #expect(outcome.status == 0, "\(outcome)")
        let text = outcome.stdout
        #expect(text.contains("cert.pem:1: certificate 1"))
        #expect(text.contains("subject:            CN=broker.test"))
        #expect(text.contains("certificate 2"))
        #expect(text.contains("subject:            CN=emqxctl Intermediate CA"))
        #expect(text.contains("key:                EC P-256"))
        #expect(text.contains("SANs:               DNS:broker.test"))
        #expect(text.contains("ext key usage:      serverAuth"))
        #expect(text.contains("days left"))
        #expect(text.contains("private key 1"))
        #expect(!text.contains("BEGIN PRIVATE KEY"))
        #expect(!text.contains("wrong order"))
    }

    @Test func inspectFlagsAWrongOrder() throws {
        let chain = try CryptoFile.certificates(path: folder.file("cert.pem"))
        try folder.write("reversed.pem", chain.reversed().map(\.pemEncoded).joined())
        let outcome = try Emqxctl.run(["cert", "inspect", folder.file("reversed.pem")])
        #expect(outcome.stdout.contains("warning: wrong order: certificate 2 (CN=broker.test) was issued by certificate 1"), "\(outcome)")
    }

    @Test func inspectJSONIsMachineReadable() throws {
        let outcome = try Emqxctl.run(["cert", "inspect", "--format", "json", folder.file("cert.pem"), folder.file("crlnumber")])
        #expect(outcome.status == 1)  // crlnumber is not a certificate file
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]])
        #expect(reports.count == 2)
        #expect(reports[0]["subject"] as? String == "CN=broker.test")
        #expect(reports[0]["subjectAltNames"] as? [String] == ["DNS:broker.test"])
        #expect(reports[0]["isCA"] as? Bool == false)
        #expect((reports[0]["sha256Fingerprint"] as? String)?.count == 95)
        #expect(reports[1]["isCA"] as? Bool == true)
        #expect(outcome.stderr.contains("crlnumber: is neither PEM"))
    }

    @Test func inspectReadsDERAndCRLs() throws {
        let converted = try OpenSSLCLI.run(["x509", "-in", "cacert.pem", "-outform", "DER", "-out", "cacert.der"], in: folder.path)
        try #require(converted.status == 0)
        try #require(try Emqxctl.run(["cert", "crl", "--dir", folder.path]).status == 0)
        let outcome = try Emqxctl.run(["cert", "inspect", folder.file("cacert.der"), folder.file("crl.pem")])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains("cacert.der: certificate 1"))
        #expect(outcome.stdout.contains("CA:                 yes"))
        #expect(outcome.stdout.contains("CRL 1"))
        #expect(outcome.stdout.contains("revoked:            none"))
    }

    @Test func inspectReadsCSRsFromOpenSSL() throws {
        let request = try OpenSSLCLI.run(
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "csr-key.pem",
                "-subj", "/O=Acme/CN=gateway", "-addext", "subjectAltName=DNS:gateway.test,IP:10.1.2.3", "-out", "gateway.csr",
            ],
            in: folder.path
        )
        try #require(request.status == 0, "\(request)")
        let outcome = try Emqxctl.run(["cert", "inspect", folder.file("gateway.csr")])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains("certificate request 1"))
        #expect(outcome.stdout.contains("subject:            CN=gateway,O=Acme"))
        #expect(outcome.stdout.contains("key:                EC P-384"))
        #expect(outcome.stdout.contains("SANs:               DNS:gateway.test, IP:10.1.2.3"))
        #expect(outcome.stdout.contains("signature ok:       yes"))
    }

    @Test func inspectDecryptsKeysOnlyWithTheirPassphrase() throws {
        try folder.write("pass.txt", "open sesame\n")
        let encrypted = try OpenSSLCLI.run(
            ["pkey", "-in", "key.pem", "-aes-256-cbc", "-passout", "file:pass.txt", "-out", "key.enc.pem"], in: folder.path
        )
        try #require(encrypted.status == 0, "\(encrypted)")
        let locked = try Emqxctl.run(["cert", "inspect", folder.file("key.enc.pem")])
        #expect(locked.status == 1)
        #expect(locked.stderr.contains("the private key is encrypted; give its passphrase"), "\(locked)")
        let opened = try Emqxctl.run(["cert", "inspect", "--passphrase-file", folder.file("pass.txt"), folder.file("key.enc.pem")])
        #expect(opened.status == 0, "\(opened)")
        let plain = try Emqxctl.run(["cert", "inspect", folder.file("key.pem")])
        let fingerprint = { (text: String) in text.split(separator: "\n").first { $0.contains("public key SHA-256") } }
        #expect(fingerprint(opened.stdout) != nil)
        #expect(fingerprint(opened.stdout) == fingerprint(plain.stdout))
    }

    @Test(arguments: [
        ("garbage.pem", "hello\n", "garbage.pem: is neither PEM (no -----BEGIN line) nor a DER certificate, key, CSR or CRL"),
        (
            "truncated.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n",
            "truncated.pem: line 1: the CERTIFICATE block has no END line (the file is truncated)"
        ),
    ])
    func inspectRejectsBadFilesWithOneLine(_ name: String, _ contents: String, _ message: String) throws {
        let path = try folder.write(name, contents)
        let outcome = try Emqxctl.run(["cert", "inspect", path])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines) == "Error: \(path.dropLast(name.count))\(message)")
    }

    @Test func verifyAcceptsAGoodChain() throws {
        let outcome = try Emqxctl.run([
            "cert", "verify", "--ca", folder.file("cacert.pem"), "--host", "broker.test", "--purpose", "server",
            "--key", folder.file("key.pem"), folder.file("cert.pem"),
        ])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.hasPrefix("OK: broker.test -> emqxctl Intermediate CA "), "\(outcome)")
        #expect(outcome.stdout.contains(" -> emqxctl Root CA "), "\(outcome)")
        #expect(outcome.stdout.hasSuffix(" (chain, server purpose, host broker.test, key matches)\n"), "\(outcome)")
    }

    @Test(arguments: [
        (["--host", "other.test"], "FAILED (hostname-mismatch)"),
        (["--purpose", "client"], "FAILED (wrong-purpose)"),
        (["--at", "2040-01-01"], "FAILED (expired)"),
        (["--at", "2000-01-01T00:00:00Z"], "FAILED (not-yet-valid)"),
    ])
    func verifyExplainsFailures(_ extra: [String], _ expected: String) throws {
        let outcome = try Emqxctl.run(["cert", "verify", "--ca", folder.file("cacert.pem")] + extra + [folder.file("cert.pem")])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix(expected), "\(outcome)")
        #expect(outcome.stderr.contains("hint: "))
    }

    @Test func verifyExplainsAMissingIntermediateAndAWrongCA() throws {
        let leaf = try #require(try CryptoFile.certificates(path: folder.file("cert.pem")).first)
        try folder.write("leaf-only.pem", leaf.pemEncoded)
        let missing = try Emqxctl.run(["cert", "verify", "--ca", folder.file("cacert.pem"), folder.file("leaf-only.pem")])
        #expect(missing.stderr.hasPrefix("FAILED (missing-intermediate)"), "\(missing)")

        let other = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", other.path, "--ca-cn", "Someone Else"]).status == 0)
        let wrongCA = try Emqxctl.run(["cert", "verify", "--ca", other.file("cacert.pem"), folder.file("cert.pem")])
        #expect(wrongCA.stderr.hasPrefix("FAILED (unknown-issuer)"), "\(wrongCA)")

        // A CA regenerated under the same name is told apart from a missing one.
        let root = try OpenSSLCLI.run(["x509", "-noout", "-subject", "-nameopt", "multiline", "-in", folder.file("cacert.pem")])
        let rootName = try #require(root.stdout.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines)
        let regenerated = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", regenerated.path, "--ca-cn", rootName]).status == 0)
        let sameName = try Emqxctl.run(["cert", "verify", "--ca", regenerated.file("cacert.pem"), folder.file("cert.pem")])
        #expect(sameName.stderr.hasPrefix("FAILED (unknown-issuer): issued by a different CA with the same name"), "\(sameName)")
        #expect(sameName.stderr.contains("hint: the CA was regenerated"), "\(sameName)")
    }

    @Test func verifyReportsAKeyThatIsNotTheCertificates() throws {
        let outcome = try Emqxctl.run([
            "cert", "verify", "--ca", folder.file("cacert.pem"), "--key", folder.file("client-key.pem"), folder.file("cert.pem"),
        ])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("does not belong to CN=broker.test"), "\(outcome)")
    }

    @Test func verifyChecksRevocationWithACRL() throws {
        try #require(try Emqxctl.run(["cert", "revoke", folder.file("client-cert.pem"), "--dir", folder.path]).status == 0)
        try #require(try Emqxctl.run(["cert", "crl", "--dir", folder.path]).status == 0)
        let outcome = try Emqxctl.run([
            "cert", "verify", "--ca", folder.file("cacert.pem"), "--crl", folder.file("crl.pem"), "--purpose", "client",
            folder.file("client-cert.pem"),
        ])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix("FAILED (revoked): \"CN=client\" was revoked"), "\(outcome)")
    }
}
