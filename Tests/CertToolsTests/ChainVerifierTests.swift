import CertTools
import Foundation
import Testing

@Suite struct ChainVerifierTests {
    let pki: TestPKI
    let verifier: ChainVerifier

    init() throws {
        pki = try TestPKI()
        verifier = ChainVerifier(trustAnchors: [pki.root])
    }

    func failure(_ result: Result<VerifiedChain, VerificationFailure>) -> VerificationFailure? {
        if case .failure(let failure) = result { return failure }
        return nil
    }

    @Test func goodChainVerifiesToTheRoot() throws {
        let result = verifier.verify([pki.server, pki.intermediate], purpose: .server, hostname: "broker.test", at: TestPKI.now)
        let chain = try result.get()
        #expect(chain.certificates.map(\.subject.commonName) == ["broker.test", "Test Intermediate", "Test Root"])
        #expect((try? verifier.verify([pki.server, pki.intermediate], hostname: "127.0.0.1", at: TestPKI.now).get()) != nil)
    }

    @Test func expired() {
        let later = TestPKI.now.addingTimeInterval(400 * 86400)
        let failure = failure(verifier.verify([pki.server, pki.intermediate], at: later))
        #expect(failure?.code == .expired)
        #expect(failure?.message.contains("expired on") == true)
    }

    @Test func notYetValid() {
        let earlier = TestPKI.now.addingTimeInterval(-3 * 86400)
        #expect(failure(verifier.verify([pki.server, pki.intermediate], at: earlier))?.code == .notYetValid)
    }

    @Test func wrongOrderIsNamedBeforeAnythingElse() {
        let failure = failure(verifier.verify([pki.intermediate, pki.server], at: TestPKI.now))
        #expect(failure?.code == .wrongOrder)
        #expect(failure?.message.contains("certificate 2 (CN=broker.test) was issued by certificate 1") == true)
    }

    @Test func missingIntermediate() {
        let failure = failure(verifier.verify([pki.server], at: TestPKI.now))
        #expect(failure?.code == .missingIntermediate)
        #expect(failure?.hint.contains("append it after the leaf") == true)
    }

    @Test func unknownIssuer() throws {
        let stranger = try TestPKI(rootName: "Other Root")
        let failure = failure(ChainVerifier(trustAnchors: [stranger.root]).verify([pki.server, pki.intermediate], at: TestPKI.now))
        #expect(failure?.code == .unknownIssuer)
        #expect(failure?.message.contains("\"CN=Test Root\"") == true)
    }

    @Test func regeneratedCAWithTheSameNameIsABadSignatureOrUnknownIssuer() throws {
        let impostor = try TestPKI()  // same names, new keys
        let failure = failure(ChainVerifier(trustAnchors: [impostor.root]).verify([pki.server, pki.intermediate], at: TestPKI.now))
        #expect(failure?.code == .unknownIssuer || failure?.code == .badSignature)
    }

    @Test func hostnameMismatchListsTheNames() {
        let failure = failure(verifier.verify([pki.server, pki.intermediate], hostname: "other.test", at: TestPKI.now))
        #expect(failure?.code == .hostnameMismatch)
        #expect(failure?.message.contains("DNS:broker.test, IP:127.0.0.1") == true)
        #expect(
            self.failure(verifier.verify([pki.server, pki.intermediate], hostname: "10.1.1.1", at: TestPKI.now))?.code == .hostnameMismatch)
    }

    @Test func wrongPurpose() {
        #expect(failure(verifier.verify([pki.server, pki.intermediate], purpose: .client, at: TestPKI.now))?.code == .wrongPurpose)
        #expect(failure(verifier.verify([pki.client, pki.intermediate], purpose: .server, at: TestPKI.now))?.code == .wrongPurpose)
        #expect((try? verifier.verify([pki.client, pki.intermediate], purpose: .client, at: TestPKI.now).get()) != nil)
    }

    @Test func revokedAgainstACRL() throws {
        let crl = try pki.intermediateIssuer.issueCRL(
            revoked: [
                RevokedCertificate(
                    serialNumber: pki.client.serialNumber, revocationDate: TestPKI.now.addingTimeInterval(-60), reason: .keyCompromise)
            ],
            number: try SerialNumber(hex: "01"), thisUpdate: TestPKI.now.addingTimeInterval(-120),
            nextUpdate: TestPKI.now.addingTimeInterval(86400)
        )
        let checking = ChainVerifier(trustAnchors: [pki.root], crls: [crl])
        let failure = failure(checking.verify([pki.client, pki.intermediate], at: TestPKI.now))
        #expect(failure?.code == .revoked)
        #expect(failure?.message.contains("keyCompromise") == true)
        #expect((try? checking.verify([pki.server, pki.intermediate], at: TestPKI.now).get()) != nil)

        let afterNextUpdate = TestPKI.now.addingTimeInterval(2 * 86400)
        #expect(self.failure(checking.verify([pki.server, pki.intermediate], at: afterNextUpdate))?.code == .crlExpired)
    }

    @Test func crlFromAnotherCAIsNotEnough() throws {
        let other = try TestPKI(rootName: "Other Root")
        let crl = try CertificateIssuer(certificate: other.root, key: other.rootKey).issueCRL(
            revoked: [], number: try SerialNumber(hex: "01"),
            thisUpdate: TestPKI.now.addingTimeInterval(-120), nextUpdate: TestPKI.now.addingTimeInterval(86400)
        )
        let failure = failure(ChainVerifier(trustAnchors: [pki.root], crls: [crl]).verify([pki.client, pki.intermediate], at: TestPKI.now))
        #expect(failure?.code == .crlUnavailable)
    }

    @Test func crlWithTheRightNameButAnotherKeyIsInvalid() throws {
        let impostor = try TestPKI()  // its intermediate has the same name, but another key
        let crl = try impostor.intermediateIssuer.issueCRL(
            revoked: [], number: try SerialNumber(hex: "01"),
            thisUpdate: TestPKI.now.addingTimeInterval(-120), nextUpdate: TestPKI.now.addingTimeInterval(86400)
        )
        let failure = failure(ChainVerifier(trustAnchors: [pki.root], crls: [crl]).verify([pki.client, pki.intermediate], at: TestPKI.now))
        #expect(failure?.code == .crlInvalid)
    }
}
