import CertTools
import EmqxTestSupport
import Foundation
import Testing

/// OCSP requests we build, answered by `openssl ocsp` acting as the responder (offline:
/// -reqin/-respout), and the checks a response must pass before a broker staples it.
@Suite struct OCSPTests {
    /// The intermediate's OCSP responder files: index.txt listing the server certificate
    /// (revoked when asked), the intermediate as CA and signer, and our request for the server.
    struct Responder {
        let pki: TestPKI
        let folder: TemporaryDirectory

        init(revokeServer: Bool = false) throws {
            pki = try TestPKI(now: Date())
            folder = try TemporaryDirectory()
            let expiry = "301231000000Z"
            let status = revokeServer ? "R\t\(expiry)\t251201000000Z,keyCompromise" : "V\t\(expiry)\t"
            _ = try folder.write("index.txt", "\(status)\t\(pki.server.serialNumber.hex)\tunknown\t/CN=broker.test\n")
            _ = try folder.write("ca.pem", pki.intermediate.pemEncoded)
            _ = try folder.write("ca.key", try pki.intermediateKey.pemEncoded())
            _ = try folder.write("other.pem", pki.root.pemEncoded)
            _ = try folder.write("other.key", try pki.rootKey.pemEncoded())
            try Data(try OCSPRequest(certificate: pki.server, issuer: pki.intermediate).der).write(
                to: URL(fileURLWithPath: folder.file("req.der")))
        }

        /// `openssl ocsp` answers req.der, signed by `signer`/`key`; extra arguments set validity.
        func respond(signer: String = "ca.pem", key: String = "ca.key", _ extra: [String] = []) throws -> OCSPResponse {
            let outcome = try OpenSSLCLI.run(
                [
                    "ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner", signer, "-rkey", key, "-reqin", "req.der", "-respout",
                    "resp.der",
                ]
                    + extra, in: folder.path)
            #expect(outcome.status == 0, "\(outcome)")
            return try OCSPResponse(der: Array(try Data(contentsOf: URL(fileURLWithPath: folder.file("resp.der")))))
        }
    }

    @Test func theRequestNamesTheCertificateBySHA1HashesWithoutANonce() throws {
        let responder = try Responder()
        let text = try OpenSSLCLI.run(["ocsp", "-reqin", "req.der", "-req_text"], in: responder.folder.path)
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.contains("Hash Algorithm: sha1"))
        #expect(text.stdout.contains("Serial Number: \(responder.pki.server.serialNumber.hex)"))
        #expect(!text.stdout.contains("Nonce"))
    }

    @Test func aRequestForACertificateTheIssuerDidNotIssueIsRefused() throws {
        let pki = try TestPKI()
        let error = #expect(throws: CertToolsError.self) { try OCSPRequest(certificate: pki.server, issuer: pki.root) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.description.contains("did not issue") == true)
    }

    @Test func aGoodResponseFromTheIssuerPasses() throws {
        let responder = try Responder()
        let response = try responder.respond(["-ndays", "1"])
        #expect(response.responseStatus == "successful")
        let status = try response.check(for: responder.pki.server, issuer: responder.pki.intermediate, at: Date())
        #expect(status.state == .good)
        #expect(status.nextUpdate.map { abs($0.timeIntervalSinceNow - 86400) < 120 } == true)
    }

    @Test func aRevokedCertificateIsReportedWithItsReasonAndDate() throws {
        let responder = try Responder(revokeServer: true)
        let status = try responder.respond().check(for: responder.pki.server, issuer: responder.pki.intermediate, at: Date())
        #expect(status.state == .revoked(at: Date(timeIntervalSince1970: 1_764_547_200), reason: .keyCompromise))
    }

    @Test func aDelegatedResponderCertifiedForOCSPSigningPasses() throws {
        let responder = try Responder()
        try Self.issueResponderCertificate(in: responder.folder, extendedKeyUsage: "OCSPSigning")
        let status = try responder.respond(signer: "responder.pem", key: "responder.key")
            .check(for: responder.pki.server, issuer: responder.pki.intermediate, at: Date())
        #expect(status.state == .good)
    }

    @Test func aDelegatedResponderWithoutOCSPSigningIsRejected() throws {
        let responder = try Responder()
        try Self.issueResponderCertificate(in: responder.folder, extendedKeyUsage: "serverAuth")
        let response = try responder.respond(signer: "responder.pem", key: "responder.key")
        try Self.expectRejected("is not signed by") {
            try response.check(for: responder.pki.server, issuer: responder.pki.intermediate, at: Date())
        }
    }

    @Test func aResponseSignedByAnotherCAIsRejected() throws {
        let responder = try Responder()
        let response = try responder.respond(signer: "other.pem", key: "other.key")
        try Self.expectRejected("is not signed by CN=Test Intermediate") {
            try response.check(for: responder.pki.server, issuer: responder.pki.intermediate, at: Date())
        }
    }

    @Test func aResponseAboutAnotherCertificateIsRejected() throws {
        let responder = try Responder()
        let response = try responder.respond()
        try Self.expectRejected("does not cover this certificate") {
            try response.check(for: responder.pki.client, issuer: responder.pki.intermediate, at: Date())
        }
    }

    @Test func freshnessIsCheckedAgainstTheGivenTimeWithFiveMinutesOfSkew() throws {
        let responder = try Responder()
        let response = try responder.respond(["-nmin", "10"])
        let check = { (offset: TimeInterval) in
            try response.check(for: responder.pki.server, issuer: responder.pki.intermediate, at: Date().addingTimeInterval(offset))
        }
        #expect(try check(14 * 60).state == .good)  // past nextUpdate, within the skew
        try Self.expectRejected("expired at its nextUpdate") { try check(20 * 60) }
        try Self.expectRejected("is not valid yet") { try check(-10 * 60) }
    }

    @Test func anUnknownCertificateIsRejected() throws {
        let responder = try Responder()
        _ = try responder.folder.write("index.txt", "")
        let response = try responder.respond()
        try Self.expectRejected("status unknown") {
            try response.check(for: responder.pki.server, issuer: responder.pki.intermediate, at: Date())
        }
    }

    @Test func aResponderErrorStatusIsRejectedByName() throws {
        let pki = try TestPKI()
        let tryLater = try OCSPResponse(der: [0x30, 0x03, 0x0A, 0x01, 0x03])  // OCSPResponse { tryLater }
        #expect(tryLater.responseStatus == "tryLater")
        try Self.expectRejected("answered \"tryLater\"") { try tryLater.check(for: pki.server, issuer: pki.intermediate, at: Date()) }
    }

    @Test(arguments: [[], [0x30], [0x30, 0x03, 0x0A, 0x01], Array("<html>not found</html>".utf8)])
    func bytesThatAreNotAnOCSPResponseFailToParse(_ bytes: [UInt8]) {
        let error = #expect(throws: CertToolsError.self) { try OCSPResponse(der: bytes) }
        #expect(error?.code == .invalidEncoding)
    }

    static func expectRejected(_ words: String, _ body: () throws -> OCSPCertificateStatus) throws {
        let error = #expect(throws: CertToolsError.self) { _ = try body() }
        #expect(error?.code == .unacceptableOCSPResponse)
        #expect(error?.description.contains(words) == true, "\(error.map { "\($0)" } ?? "no error")")
    }

    /// responder.pem/responder.key: issued by the intermediate with the given extended key usage.
    static func issueResponderCertificate(in folder: TemporaryDirectory, extendedKeyUsage: String) throws {
        _ = try folder.write("ext.cnf", "extendedKeyUsage = \(extendedKeyUsage)\nkeyUsage = critical, digitalSignature\n")
        for arguments in [
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "responder.key", "-subj",
                "/CN=OCSP responder", "-out", "responder.csr",
            ],
            [
                "x509", "-req", "-in", "responder.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "77", "-days", "30", "-extfile",
                "ext.cnf", "-out", "responder.pem",
            ],
        ] {
            let outcome = try OpenSSLCLI.run(arguments, in: folder.path)
            #expect(outcome.status == 0, "\(outcome)")
        }
    }
}
