import CertTools
import EmqxTestSupport
import Foundation
import Testing

/// `cert gen` checked by the tools users check with: `openssl verify` and `openssl x509`.
@Suite struct CertGenerateTests {
    static let leaves = ["cert.pem", "client-cert.pem"]

    @Test func writesEMQXFileNamesWithSafeModes() throws {
        let folder = try TemporaryDirectory()
        let outcome = try Emqxctl.run(["cert", "gen", "--out", folder.file("certs")])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(
            try folder.contents("certs") == [
                "cacert.pem", "cakey.pem", "cert.pem", "client-cert.pem", "client-key.pem", "crlnumber", "index.txt", "index.txt.attr",
                "key.pem",
            ])
        for key in ["cakey.pem", "key.pem", "client-key.pem"] {
            #expect(try folder.mode("certs/\(key)") == 0o600, "\(key)")
        }
        for certificate in ["cacert.pem", "cert.pem", "client-cert.pem", "index.txt"] {
            #expect(try folder.mode("certs/\(certificate)") == 0o644, "\(certificate)")
        }
        #expect(outcome.stderr.contains("cakey.pem is not encrypted"))
        #expect(outcome.stderr.contains("wrote an ec-p256 PKI"), "\(outcome.stderr)")
        // Each PKI's CA has a name of its own, so two runs' CAs are never taken for each other.
        let other = try TemporaryDirectory()
        _ = try Emqxctl.run(["cert", "gen", "--out", other.path])
        let names = try [folder.file("certs/cacert.pem"), other.file("cacert.pem")].map {
            try OpenSSLCLI.run(["x509", "-noout", "-subject", "-in", $0]).stdout
        }
        #expect(names[0].hasPrefix("subject=CN = emqxctl Root CA ") && names[0] != names[1], "\(names)")
    }

    @Test(arguments: KeyAlgorithm.allCases, [false, true])
    func opensslVerifiesEveryLeaf(_ algorithm: KeyAlgorithm, intermediate: Bool) throws {
        let folder = try TemporaryDirectory()
        var arguments = ["cert", "gen", "--out", folder.path, "--key-type", algorithm.rawValue, "--client", "sensor-1"]
        if intermediate { arguments.append("--intermediate") }
        let generated = try Emqxctl.run(arguments)
        try #require(generated.status == 0, "\(generated)")

        var verify = ["verify", "-x509_strict", "-CAfile", "cacert.pem"]
        if intermediate { verify += ["-untrusted", "intermediate-cert.pem"] }
        let outcome = try OpenSSLCLI.run(verify + Self.leaves + ["sensor-1-cert.pem"], in: folder.path)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.components(separatedBy: ": OK").count == 4, "\(outcome)")

        // Each key belongs to its certificate: compare the public keys OpenSSL derives.
        for (certificate, key) in [("cert.pem", "key.pem"), ("client-cert.pem", "client-key.pem"), ("cacert.pem", "cakey.pem")] {
            let fromCertificate = try OpenSSLCLI.run(["x509", "-in", certificate, "-noout", "-pubkey"], in: folder.path)
            let fromKey = try OpenSSLCLI.run(["pkey", "-in", key, "-pubout"], in: folder.path)
            #expect(fromCertificate.stdout == fromKey.stdout && !fromKey.stdout.isEmpty, "\(certificate)")
        }
    }

    @Test func intermediateChainIsLeafThenIntermediateInCertPem() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.path, "--intermediate"]).status == 0)
        let printed = try OpenSSLCLI.run(["crl2pkcs7", "-nocrl", "-certfile", "cert.pem"], in: folder.path)
        let subjects = try OpenSSLCLI.run(["pkcs7", "-print_certs", "-noout"], in: folder.path, input: printed.stdout)
        let lines = subjects.stdout.split(separator: "\n").filter { $0.hasPrefix("subject=") }
        #expect(
            lines.count == 2 && lines[0] == "subject=CN = localhost" && lines[1].hasPrefix("subject=CN = emqxctl Intermediate CA "),
            "\(lines)")
        // A client that trusts only the root verifies the whole served file.
        let verified = try OpenSSLCLI.run(["verify", "-CAfile", "cacert.pem", "-untrusted", "cert.pem", "cert.pem"], in: folder.path)
        #expect(verified.status == 0, "\(verified)")
    }

    @Test func x509TextShowsTheExtensionsClientsNeed() throws {
        let folder = try TemporaryDirectory()
        let generated = try Emqxctl.run([
            "cert", "gen", "--out", folder.path, "--key-type", "rsa-2048", "--san", "broker.example.com", "--san", "10.0.0.5",
            "--crl-url", "http://ca.example.com/crl.pem", "--ocsp-url", "http://ca.example.com:9877", "--org", "Acme", "--country", "SE",
        ])
        try #require(generated.status == 0, "\(generated)")
        let ca = try OpenSSLCLI.run(["x509", "-in", "cacert.pem", "-noout", "-text"], in: folder.path).stdout
        #expect(ca.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"))
        #expect(ca.contains("X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"))
        #expect(ca.contains("X509v3 Subject Key Identifier"))

        let server = try OpenSSLCLI.run(["x509", "-in", "cert.pem", "-noout", "-text"], in: folder.path).stdout
        #expect(server.contains("Subject: C = SE, O = Acme, CN = broker.example.com"))
        #expect(server.contains("CA:FALSE"))
        #expect(server.contains("Digital Signature, Key Encipherment"))
        #expect(server.contains("TLS Web Server Authentication"))
        #expect(server.contains("DNS:broker.example.com, IP Address:10.0.0.5"))
        #expect(server.contains("X509v3 Authority Key Identifier"))
        #expect(server.contains("X509v3 Subject Key Identifier"))
        #expect(server.contains("URI:http://ca.example.com/crl.pem"))
        #expect(server.contains("OCSP - URI:http://ca.example.com:9877"))
        #expect(server.contains("Signature Algorithm: sha256WithRSAEncryption"))
        #expect(!server.contains("Serial Number: (Negative)"))

        let client = try OpenSSLCLI.run(["x509", "-in", "client-cert.pem", "-noout", "-text"], in: folder.path).stdout
        #expect(client.contains("TLS Web Client Authentication"))
        #expect(!client.contains("TLS Web Server Authentication"))
    }

    @Test func notBeforeIsBackdatedAndValidityIsAsAsked() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.path, "--days", "30", "--ca-days", "60"]).status == 0)
        let leaf = try #require(try CryptoFile.certificates(path: folder.file("cert.pem")).first)
        let root = try #require(try CryptoFile.certificates(path: folder.file("cacert.pem")).first)
        let now = Date()
        #expect(leaf.notBefore < now.addingTimeInterval(-3000))
        #expect(abs(leaf.notAfter.timeIntervalSince(now) - 30 * 86400) < 120)
        #expect(abs(root.notAfter.timeIntervalSince(now) - 60 * 86400) < 120)
    }

    @Test func refusesToOverwriteWithoutForceAndLeavesFilesAlone() throws {
        let folder = try TemporaryDirectory()
        try #require(try Emqxctl.run(["cert", "gen", "--out", folder.path]).status == 0)
        let before = try String(contentsOfFile: folder.file("cakey.pem"), encoding: .utf8)
        let refused = try Emqxctl.run(["cert", "gen", "--out", folder.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("already exist"))
        #expect(refused.stderr.contains("--force"))
        #expect(try String(contentsOfFile: folder.file("cakey.pem"), encoding: .utf8) == before)

        let forced = try Emqxctl.run(["cert", "gen", "--out", folder.path, "--force"])
        #expect(forced.status == 0, "\(forced)")
        #expect(try String(contentsOfFile: folder.file("cakey.pem"), encoding: .utf8) != before)
        #expect(try folder.mode("cakey.pem") == 0o600)
        #expect(!(try folder.contents()).contains { $0.contains(".tmp-") })
    }

    @Test(arguments: [
        (["--key-type", "dsa-1024"], 64, "dsa-1024"),
        (["--san", "exa mple.com"], 1, "\"exa mple.com\" is not a valid host name, IP address, URI or email address"),
        (["--san", "IP:300.1.1.1"], 1, "is not an IPv4 or IPv6 address"),
        (["--crl-url", "ftp://ca/crl"], 1, "--crl-url \"ftp://ca/crl\" is not an http:// or https:// URL"),
        (["--client", "../escape"], 1, "is not a usable name"),
        (["--client", "ca"], 1, "is taken by the CA folder"),
        (["--days", "0"], 1, "validity must be between 1 and 36500 days"),
        (["--days", "4000"], 1, "must not exceed the CA's"),
        (["--country", "Sweden"], 64, "two-letter code"),
        (["--ca-passphrase-env", "EMQXCTL_TEST_UNSET_VARIABLE"], 64, "is not set"),
    ])
    func badInputFailsClearlyAndWritesNothing(_ extra: [String], _ status: Int32, _ message: String) throws {
        let folder = try TemporaryDirectory()
        let outcome = try Emqxctl.run(["cert", "gen", "--out", folder.file("certs")] + extra)
        #expect(outcome.status == status, "\(outcome)")
        #expect(outcome.stderr.contains(message), "\(outcome)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("certs")))
    }

    @Test func unwritableOutputFolderFailsWithTheReason() throws {
        let folder = try TemporaryDirectory()
        try folder.write("file", "not a folder\n")
        let outcome = try Emqxctl.run(["cert", "gen", "--out", folder.file("file/certs")])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("cannot create the folder"), "\(outcome)")
        #expect(outcome.stderr.contains("Not a directory"), "\(outcome)")
    }

    @Test func encryptedCAKeyNeedsItsPassphraseToIssue() throws {
        let folder = try TemporaryDirectory()
        let passphrase = try folder.write("pass.txt", "s3cret passphrase\n")
        let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("ca"), "--ca-passphrase-file", passphrase])
        try #require(generated.status == 0, "\(generated)")
        let key = try String(contentsOfFile: folder.file("ca/cakey.pem"), encoding: .utf8)
        #expect(key.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        // openssl agrees about the passphrase.
        let opened = try OpenSSLCLI.run(["pkey", "-in", "ca/cakey.pem", "-passin", "file:pass.txt", "-noout"], in: folder.path)
        #expect(opened.status == 0, "\(opened)")

        let withoutPassphrase = try Emqxctl.run(["cert", "issue", "client", "dev-1", "--dir", folder.file("ca")])
        #expect(withoutPassphrase.status == 1)
        #expect(withoutPassphrase.stderr.contains("the private key is encrypted; give its passphrase"), "\(withoutPassphrase)")

        let wrong = try folder.write("wrong.txt", "guess\n")
        let wrongPassphrase = try Emqxctl.run([
            "cert", "issue", "client", "dev-1", "--dir", folder.file("ca"), "--ca-passphrase-file", wrong,
        ])
        #expect(wrongPassphrase.status == 1)
        #expect(wrongPassphrase.stderr.contains("the passphrase does not decrypt this private key"), "\(wrongPassphrase)")
        #expect(!wrongPassphrase.stderr.contains("guess"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("ca/dev-1-key.pem")))

        let issued = try Emqxctl.run(
            ["cert", "issue", "client", "dev-1", "--dir", folder.file("ca"), "--ca-passphrase-env", "CA_PASS"],
            environment: ["CA_PASS": "s3cret passphrase"]
        )
        #expect(issued.status == 0, "\(issued)")
        #expect(try folder.mode("ca/dev-1-key.pem") == 0o600)
    }
}
