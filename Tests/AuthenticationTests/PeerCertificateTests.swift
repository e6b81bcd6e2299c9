import CertTools
import ConfigModel
import EmqxTestSupport
import Foundation
import Testing

@testable import Authentication

/// `peer_cert_as_*` and `${cert_subject}` in EMQX's formats (§2.6), from certificates
/// `openssl req` made.
@Suite struct PeerCertificateTests {
    static func certificate(subject: String) throws -> PeerCertificate {
        let folder = try TemporaryDirectory()
        let made = try OpenSSLCLI.run(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem", "-out", "cert.der",
                "-outform", "DER", "-days", "1", "-subj", subject, "-utf8",
            ], in: folder.path, timeout: 15)
        #expect(made.status == 0, "\(made)")
        let der = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.file("cert.der"))))
        return try #require(PeerCertificate(der: der))
    }

    @Test func subjectIsMostSpecificFirstWithEMQXNames() throws {
        let certificate = try Self.certificate(subject: "/C=SE/O=EMQX/CN=client1/emailAddress=a@b.c")
        #expect(certificate.subject == "EMAILADDRESS=a@b.c,CN=client1,O=EMQX,C=SE")
        #expect(certificate.commonName == "client1")
        #expect(certificate.value(.cn) == "client1")
        #expect(certificate.value(.dn) == certificate.subject)
    }

    /// esockd's escaping: specials get a backslash; bytes from 126 up (UTF-8 included) are \XX.
    @Test func subjectEscaping() throws {
        let certificate = try Self.certificate(subject: "/O=a,b\\+c/CN= lead~é")
        #expect(certificate.subject == #"CN=\ lead\7E\C3\A9,O=a\,b\+c"#)
    }

    @Test func severalCommonNamesAreJoined() throws {
        let certificate = try Self.certificate(subject: "/CN=one/CN=two")
        #expect(certificate.commonName == "one,two")
    }

    @Test func derForms() throws {
        let certificate = try Self.certificate(subject: "/CN=forms")
        #expect(certificate.value(.pem) == Data(certificate.der).base64EncodedString())
        #expect(certificate.value(.pem)?.contains("BEGIN") == false, "EMQX's pem is base64 of the DER, no armour")
        let md5 = try #require(certificate.value(.md5))
        #expect(md5.count == 32 && md5 == md5.lowercased())
        #expect(certificate.value(.disabled) == nil)
    }

    @Test func noCommonNameIsNil() throws {
        let certificate = try Self.certificate(subject: "/O=NoCN")
        #expect(certificate.value(.cn) == nil)
    }
}
