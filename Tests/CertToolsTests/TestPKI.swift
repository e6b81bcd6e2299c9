import CertTools
import Foundation

/// A small PKI made in memory at a fixed time, so tests never depend on the wall clock:
/// root → intermediate → server and client leaves.
struct TestPKI {
    /// 2026-01-01T00:00:00Z: every certificate here is valid from a day before.
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    let rootKey: PrivateKey
    let root: Certificate
    let intermediateKey: PrivateKey
    let intermediate: Certificate
    let server: Certificate
    let serverKey: PrivateKey
    let client: Certificate
    let clientKey: PrivateKey

    /// `now` moves the validity window: tests whose peer (openssl) stamps the wall-clock time
    /// pass `Date()`.
    init(algorithm: KeyAlgorithm = .ecP256, rootName: String = "Test Root", now: Date = TestPKI.now) throws {
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))  // certificates hold whole seconds
        let validity = Validity(notBefore: now.addingTimeInterval(-86400), notAfter: now.addingTimeInterval(365 * 86400))
        rootKey = try PrivateKey.generate(algorithm)
        root = try CertificateIssuer(selfSigningWith: rootKey).issue(
            CertificateSpec(subject: DistinguishedName(commonName: rootName), profile: .rootCA, validity: validity),
            subjectKey: rootKey, serial: try .random()
        )
        intermediateKey = try PrivateKey.generate(algorithm)
        intermediate = try CertificateIssuer(certificate: root, key: rootKey).issue(
            CertificateSpec(subject: DistinguishedName(commonName: "Test Intermediate"), profile: .intermediateCA, validity: validity),
            subjectKey: intermediateKey, serial: try .random()
        )
        let issuer = try CertificateIssuer(certificate: intermediate, key: intermediateKey)
        serverKey = try PrivateKey.generate(algorithm)
        server = try issuer.issue(
            CertificateSpec(
                subject: DistinguishedName(commonName: "broker.test"), profile: .server,
                subjectAlternativeNames: [.dns("broker.test"), .ipAddress("127.0.0.1")], validity: validity
            ),
            subjectKey: serverKey, serial: try .random()
        )
        clientKey = try PrivateKey.generate(algorithm)
        client = try issuer.issue(
            CertificateSpec(subject: DistinguishedName(commonName: "device-1"), profile: .client, validity: validity),
            subjectKey: clientKey, serial: try .random()
        )
    }

    var intermediateIssuer: CertificateIssuer {
        get throws { try CertificateIssuer(certificate: intermediate, key: intermediateKey) }
    }
}
