import CertTools
import Testing

@Suite struct KeyTests {
    @Test(arguments: KeyAlgorithm.allCases)
    func generatesEveryKeyType(_ algorithm: KeyAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let expected: String =
            switch algorithm {
            case .ecP256: "EC P-256"
            case .ecP384: "EC P-384"
            case .rsa2048: "RSA 2048"
            case .rsa3072: "RSA 3072"
            case .rsa4096: "RSA 4096"
            case .ed25519: "Ed25519"
            }
        #expect(key.keyDescription.description == expected)
    }

    @Test func plainPEMRoundTrips() throws {
        let key = try PrivateKey.generate(.ecP256)
        let pem = try key.pemEncoded()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let block = try #require(try PEMParser.blocks(in: pem).first)
        let back = try PrivateKey(pem: block)
        #expect(back.publicKeyFingerprint == key.publicKeyFingerprint)
    }

    @Test func encryptedPEMNeedsTheRightPassphrase() throws {
        let key = try PrivateKey.generate(.ecP256)
        let pem = try key.pemEncoded(passphrase: try Passphrase("correct horse"))
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        let block = try #require(try PEMParser.blocks(in: pem).first)

        let back = try PrivateKey(pem: block, passphrase: try Passphrase("correct horse\n"))
        #expect(back.publicKeyFingerprint == key.publicKeyFingerprint)

        let wrong = #expect(throws: CertToolsError.self) { try PrivateKey(pem: block, passphrase: try Passphrase("battery staple")) }
        #expect(wrong?.code == .wrongPassphrase)
        let missing = #expect(throws: CertToolsError.self) { try PrivateKey(pem: block) }
        #expect(missing?.code == .passphraseRequired)
    }

    @Test func passphrasesNeverPrintThemselves() throws {
        let passphrase = try Passphrase("hunter2")
        #expect(!"\(passphrase)".contains("hunter2"))
        #expect(!String(reflecting: passphrase).contains("hunter2"))
        #expect(throws: CertToolsError.self) { try Passphrase("\n") }
    }

    @Test func keyMatchesOnlyItsOwnCertificate() throws {
        let pki = try TestPKI()
        #expect(pki.serverKey.matches(pki.server))
        #expect(!pki.clientKey.matches(pki.server))
        let error = #expect(throws: CertToolsError.self) { try CertificateIssuer(certificate: pki.root, key: pki.intermediateKey) }
        #expect(error?.code == .keyMismatch)
    }
}
