import CertTools
import Foundation
import Testing

@testable import BrokerTLS

/// The deferred CRL verdict on a root → intermediate → client chain made in memory.
struct RevocationVerdictTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    struct Chain {
        let root: CertificateIssuer
        let intermediate: CertificateIssuer
        let client: Certificate
        var certificates: [Certificate] { [client, intermediate.certificate!, root.certificate!] }

        init() throws {
            let validity = Validity(notBefore: now.addingTimeInterval(-86400), notAfter: now.addingTimeInterval(86400 * 30))
            let rootKey = try PrivateKey.generate(.ecP256)
            let rootCertificate = try CertificateIssuer(selfSigningWith: rootKey).issue(
                CertificateSpec(subject: DistinguishedName(commonName: "Root"), profile: .rootCA, validity: validity), subjectKey: rootKey,
                serial: try .random())
            root = try CertificateIssuer(certificate: rootCertificate, key: rootKey)
            let intermediateKey = try PrivateKey.generate(.ecP256)
            let intermediateCertificate = try root.issue(
                CertificateSpec(subject: DistinguishedName(commonName: "Intermediate"), profile: .intermediateCA, validity: validity),
                subjectKey: intermediateKey, serial: try .random())
            intermediate = try CertificateIssuer(certificate: intermediateCertificate, key: intermediateKey)
            client = try intermediate.issue(
                CertificateSpec(subject: DistinguishedName(commonName: "device-1"), profile: .client, validity: validity),
                subjectKey: try PrivateKey.generate(.ecP256), serial: try .random())
        }

        func crl(by issuer: CertificateIssuer, revoking: [Certificate] = [], thisUpdate: Date = now, days: Double = 7) throws
            -> CertificateRevocationList
        {
            try issuer.issueCRL(
                revoked: revoking.map {
                    RevokedCertificate(serialNumber: $0.serialNumber, revocationDate: thisUpdate, reason: .keyCompromise)
                },
                number: try SerialNumber(hex: "01"), thisUpdate: thisUpdate, nextUpdate: thisUpdate.addingTimeInterval(days * 86400))
        }

        func judge(_ crls: [CertificateRevocationList]) -> RevocationVerdict {
            RevocationVerdict.judge(
                certificates, crls: { name in crls.filter { $0.issuerNameDER == name } }, now: now, unavailableReason: { _ in "none" })
        }
    }

    @Test func aCurrentCRLWithoutTheClientIsGood() throws {
        let chain = try Chain()
        #expect(chain.judge([try chain.crl(by: chain.intermediate)]) == .good)
    }

    @Test func aListedClientIsRevokedWithItsReason() throws {
        let chain = try Chain()
        guard case .revoked(let why) = chain.judge([try chain.crl(by: chain.intermediate, revoking: [chain.client])]) else {
            Issue.record("not revoked")
            return
        }
        #expect(why.contains("CN=device-1") && why.contains("(keyCompromise)") && why.contains("by CN=Intermediate"))
    }

    @Test func withoutACRLForTheClientTheVerdictIsUnavailable() throws {
        let chain = try Chain()
        #expect(chain.judge([]) == .unavailable("none"))
        #expect(chain.judge([try chain.crl(by: chain.root)]) == .unavailable("none"))  // the root's CRL does not cover it
    }

    @Test func anExpiredCRLIsUnavailableNotGood() throws {
        let chain = try Chain()
        let stale = try chain.crl(by: chain.intermediate, thisUpdate: Self.now.addingTimeInterval(-3 * 86400), days: 1)
        guard case .unavailable(let why) = chain.judge([stale]) else {
            Issue.record("an expired CRL was used")
            return
        }
        #expect(why.contains("expired at"))
    }

    @Test func aCRLNotSignedByTheIssuerIsIgnored() throws {
        let chain = try Chain()
        let impostor = try Chain()  // same names, other keys
        #expect(chain.judge([try impostor.crl(by: impostor.intermediate, revoking: [chain.client])]) == .unavailable("none"))
    }

    @Test func anIntermediateIsCheckedOnlyWithItsIssuersCRLAtHand() throws {
        let chain = try Chain()
        let clientCRL = try chain.crl(by: chain.intermediate)
        #expect(chain.judge([clientCRL]) == .good)  // no root CRL: the intermediate is not checked
        let intermediate = chain.intermediate.certificate!
        guard case .revoked(let why) = chain.judge([clientCRL, try chain.crl(by: chain.root, revoking: [intermediate])]) else {
            Issue.record("a revoked intermediate passed")
            return
        }
        #expect(why.contains("CN=Intermediate"))
    }
}
