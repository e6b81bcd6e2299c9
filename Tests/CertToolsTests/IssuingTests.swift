import CertTools
import Foundation
import Testing

@Suite struct IssuingTests {
    @Test func rootHasCAExtensionsAndNoAKI() throws {
        let pki = try TestPKI()
        #expect(pki.root.isCA)
        #expect(pki.root.isSelfSigned)
        #expect(pki.root.keyUsage == ["keyCertSign", "cRLSign"])
        #expect(pki.root.extendedKeyUsage.isEmpty)
        #expect(pki.root.subjectKeyIdentifier != nil)
        #expect(pki.root.authorityKeyIdentifier == nil)
    }

    @Test func intermediateIsPathLengthZeroAndPointsAtTheRoot() throws {
        let pki = try TestPKI()
        #expect(pki.intermediate.isCA)
        #expect(pki.intermediate.pathLengthConstraint == 0)
        #expect(pki.intermediate.authorityKeyIdentifier == pki.root.subjectKeyIdentifier)
        #expect(pki.intermediate.isIssued(by: pki.root))
    }

    @Test(arguments: [KeyAlgorithm.ecP256, .rsa2048, .ed25519])
    func leavesHaveTheExtensionsStrictClientsWant(_ algorithm: KeyAlgorithm) throws {
        let pki = try TestPKI(algorithm: algorithm)
        #expect(!pki.server.isCA)
        #expect(pki.server.extendedKeyUsage == ["serverAuth"])
        #expect(pki.client.extendedKeyUsage == ["clientAuth"])
        let expectedUsage = algorithm.isRSA ? ["digitalSignature", "keyEncipherment"] : ["digitalSignature"]
        #expect(pki.server.keyUsage == expectedUsage)
        #expect(pki.server.subjectAlternativeNames == [.dns("broker.test"), .ipAddress("127.0.0.1")])
        #expect(pki.server.authorityKeyIdentifier == pki.intermediate.subjectKeyIdentifier)
        #expect(pki.server.subjectKeyIdentifier != nil)
        let expectedSignature =
            switch algorithm {
            case .ed25519: "ED25519"
            case .rsa2048: "sha256WithRSAEncryption"
            default: "ecdsa-with-SHA256"
            }
        #expect(pki.server.signatureAlgorithm == expectedSignature)
    }

    @Test func serialsArePositiveRandomAndDistinct() throws {
        let serials = try (0..<200).map { _ in try SerialNumber.random() }
        #expect(Set(serials).count == 200)
        for serial in serials {
            // Positive: the top bit of the first encoded byte is clear (BN_bn2hex drops zero bytes).
            #expect(serial.hex.count <= 32)
            #expect(serial.hex.count % 2 == 0)
        }
        let pki = try TestPKI()
        #expect(pki.server.serialNumber != pki.client.serialNumber)
    }

    @Test func serialHexParsing() throws {
        #expect(try SerialNumber(hex: "0x0a:bc").hex == "0ABC")
        #expect(try SerialNumber(hex: "abc").hex == "0ABC")
        #expect(throws: CertToolsError.self) { try SerialNumber(hex: "xyz") }
        #expect(throws: CertToolsError.self) { try SerialNumber(hex: String(repeating: "f", count: 41)) }
    }

    @Test func validityIsBackdatedForClockSkew() throws {
        let validity = try Validity(days: 10, from: TestPKI.now)
        #expect(validity.notBefore == TestPKI.now.addingTimeInterval(-3600))
        #expect(validity.notAfter == TestPKI.now.addingTimeInterval(10 * 86400))
        #expect(throws: CertToolsError.self) { try Validity(days: 0, from: TestPKI.now) }
    }

    @Test func leafMayNotOutliveItsCA() throws {
        let pki = try TestPKI()
        let tooLong = CertificateSpec(
            subject: DistinguishedName(commonName: "late"), profile: .server,
            validity: Validity(notBefore: TestPKI.now, notAfter: TestPKI.now.addingTimeInterval(800 * 86400))
        )
        let error = #expect(throws: CertToolsError.self) {
            try pki.intermediateIssuer.issue(tooLong, subjectKey: pki.serverKey, serial: try .random())
        }
        #expect(error?.reason.contains("would outlive its CA") == true)
    }

    @Test func urlsLandInCRLDistributionPointAndAIA() throws {
        let pki = try TestPKI()
        let spec = CertificateSpec(
            subject: DistinguishedName(commonName: "urls"), profile: .server, subjectAlternativeNames: [.dns("urls.test")],
            validity: Validity(notBefore: TestPKI.now, notAfter: TestPKI.now.addingTimeInterval(86400)),
            crlDistributionPoint: "http://ca.test/crl.pem", ocspResponder: "http://ca.test:9877"
        )
        let certificate = try pki.intermediateIssuer.issue(spec, subjectKey: pki.serverKey, serial: try .random())
        #expect(certificate.crlDistributionPoints == ["http://ca.test/crl.pem"])
        #expect(certificate.ocspResponders == ["http://ca.test:9877"])

        var bad = spec
        bad.crlDistributionPoint = "http://ca.test/a,DNS:evil.test"
        #expect(throws: CertToolsError.self) { try pki.intermediateIssuer.issue(bad, subjectKey: pki.serverKey, serial: try .random()) }
        bad.crlDistributionPoint = "ftp://ca.test/crl"
        #expect(throws: CertToolsError.self) { try pki.intermediateIssuer.issue(bad, subjectKey: pki.serverKey, serial: try .random()) }
    }

    @Test func subjectFieldsAreEncodedInOrder() throws {
        let name = DistinguishedName(commonName: "broker", organization: "Acme, Inc.", country: "SE")
        #expect(name.description == "CN=broker,O=Acme\\, Inc.,C=SE")
        #expect(name.slashForm == "/C=SE/O=Acme, Inc./CN=broker")
        let key = try PrivateKey.generate(.ecP256)
        let root = try CertificateIssuer(selfSigningWith: key).issue(
            CertificateSpec(subject: name, profile: .rootCA, validity: try Validity(days: 1, from: TestPKI.now)),
            subjectKey: key, serial: try .random()
        )
        #expect(root.subject == name)
        let badCountry = DistinguishedName(commonName: "x", country: "Sweden")
        #expect(throws: CertToolsError.self) {
            try CertificateIssuer(selfSigningWith: key).issue(
                CertificateSpec(subject: badCountry, profile: .rootCA, validity: try Validity(days: 1, from: TestPKI.now)),
                subjectKey: key, serial: try .random()
            )
        }
    }

    @Test func certificateRoundTripsThroughDERAndPEM() throws {
        let pki = try TestPKI()
        let fromDER = try Certificate(der: pki.server.derEncoded)
        #expect(fromDER == pki.server)
        let file = try CryptoFile.parse(bytes: Array(pki.server.pemEncoded.utf8), path: "server.pem")
        #expect(file.certificates == [pki.server])
        #expect(throws: CertToolsError.self) { try Certificate(der: Array(pki.server.derEncoded.prefix(100))) }
    }
}
