import CertTools
import Foundation
import Testing

@Suite struct CryptoFileTests {
    @Test func readsMixedPEMInOrder() throws {
        let pki = try TestPKI()
        let text = pki.server.pemEncoded + (try pki.serverKey.pemEncoded()) + pki.intermediate.pemEncoded
        let file = try CryptoFile.parse(bytes: Array(text.utf8), path: "mixed.pem")
        #expect(file.items.map(\.object.kindName) == ["certificate", "private key", "certificate"])
        #expect(file.items.map(\.line) == [1, file.items[1].line, file.items[2].line])
        #expect(file.certificates == [pki.server, pki.intermediate])
    }

    @Test func readsDERCertificatesAndCRLs() throws {
        let pki = try TestPKI()
        #expect(try CryptoFile.parse(bytes: pki.root.derEncoded, path: "root.der").certificates == [pki.root])
        let crl = try pki.intermediateIssuer.issueCRL(
            revoked: [], number: try SerialNumber(hex: "01"), thisUpdate: TestPKI.now, nextUpdate: TestPKI.now.addingTimeInterval(60)
        )
        #expect(try CryptoFile.parse(bytes: crl.derEncoded, path: "crl.der").crls.count == 1)
    }

    @Test func garbageIsNeitherPEMNorDER() {
        let error = #expect(throws: CertToolsError.self) {
            try CryptoFile.parse(bytes: Array("hello, I am not a certificate\n".utf8), path: "notes.txt")
        }
        #expect(error?.code == .invalidEncoding)
        #expect(error?.description == "notes.txt: is neither PEM (no -----BEGIN line) nor a DER certificate, key, CSR or CRL")
        #expect(throws: CertToolsError.self) { try CryptoFile.parse(bytes: [], path: "empty.pem") }
    }

    @Test func corruptDERInsideAValidPEMBlockNamesTheLine() {
        let text = "# header\n-----BEGIN CERTIFICATE-----\nQUJDREVGR0g=\n-----END CERTIFICATE-----\n"
        let error = #expect(throws: CertToolsError.self) { try CryptoFile.parse(bytes: Array(text.utf8), path: "bad.pem") }
        #expect(error?.code == .invalidEncoding)
        #expect(error?.description.hasPrefix("bad.pem: line 2: not a valid DER certificate") == true)
    }

    @Test func unknownBlockTypeIsUnsupported() {
        let text = "-----BEGIN OPENSSH PRIVATE KEY-----\nQUJDREVGR0g=\n-----END OPENSSH PRIVATE KEY-----\n"
        let error = #expect(throws: CertToolsError.self) { try CryptoFile.parse(bytes: Array(text.utf8), path: "id_ed25519") }
        #expect(error?.code == .unsupportedObject)
    }

    @Test func missingFileSaysWhy() {
        let error = #expect(throws: CertToolsError.self) { try CryptoFile.read(path: "/nonexistent/cert.pem") }
        #expect(error?.code == .fileSystem)
        #expect(error?.description == "/nonexistent/cert.pem: cannot read: No such file or directory")
    }

    @Test func chainOrderProblemsAndSorting() throws {
        let pki = try TestPKI()
        #expect(CertificateChain.orderProblems([pki.server, pki.intermediate, pki.root]).isEmpty)
        let problems = CertificateChain.orderProblems([pki.intermediate, pki.server])
        #expect(problems.map(\.position) == [2])
        #expect(CertificateChain.sortedLeafFirst([pki.root, pki.server, pki.intermediate]) == [pki.server, pki.intermediate, pki.root])
        // A CA bundle of unrelated roots is not a chain and has no order.
        let other = try TestPKI(rootName: "Other")
        #expect(CertificateChain.orderProblems([pki.root, other.root]).isEmpty)
    }
}
