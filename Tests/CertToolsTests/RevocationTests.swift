import CertTools
import Foundation
import Testing

@Suite struct RevocationTests {
    @Test func crlCarriesEntriesNumberAndSignature() throws {
        let pki = try TestPKI()
        let revoked = [
            RevokedCertificate(serialNumber: pki.client.serialNumber, revocationDate: TestPKI.now, reason: .superseded),
            RevokedCertificate(serialNumber: try SerialNumber(hex: "0BAD"), revocationDate: TestPKI.now, reason: nil),
        ]
        let crl = try pki.intermediateIssuer.issueCRL(
            revoked: revoked, number: try SerialNumber(hex: "2A"),
            thisUpdate: TestPKI.now, nextUpdate: TestPKI.now.addingTimeInterval(7 * 86400)
        )
        #expect(crl.issuer == pki.intermediate.subject)
        #expect(crl.crlNumber?.hex == "2A")
        #expect(crl.thisUpdate == TestPKI.now)
        #expect(crl.nextUpdate == TestPKI.now.addingTimeInterval(7 * 86400))
        #expect(Set(crl.entries.map(\.serialNumber)) == Set(revoked.map(\.serialNumber)))
        #expect(crl.entries.first { $0.serialNumber == pki.client.serialNumber }?.reason == .superseded)
        #expect(crl.isSigned(by: pki.intermediate))
        #expect(!crl.isSigned(by: pki.root))

        let reread = try CryptoFile.parse(bytes: Array(crl.pemEncoded.utf8), path: "crl.pem").crls.first
        #expect(reread?.crlNumber?.hex == "2A")
    }

    @Test func reasonsParseInEveryCommonSpelling() throws {
        #expect(try RevocationReason(parsing: "keyCompromise") == .keyCompromise)
        #expect(try RevocationReason(parsing: "key-compromise") == .keyCompromise)
        #expect(try RevocationReason(parsing: "CACOMPROMISE") == .caCompromise)
        #expect(throws: CertToolsError.self) { try RevocationReason(parsing: "lost") }
    }

    @Test func databaseRoundTripsInOpenSSLIndexFormat() throws {
        let text = """
            V\t290303062341Z\t\t38EB384E6CF67CB1CBA2CC1C2CCF22B5\tunknown\t/CN=localhost
            R\t290303062341Z\t261129062342Z,keyCompromise\t6479CB97C03660E678DA9F94CD769BAB\tunknown\t/CN=alice
            V\t20610101000000Z\t\t0A\tunknown\t/O=Acme/CN=long-lived

            """
        let database = try CADatabase(parsing: text, path: "index.txt")
        #expect(database.records.count == 3)
        #expect(database.rendered == text)
        #expect(database.revoked.map(\.reason) == [.keyCompromise])
        #expect(database.records[2].notAfter == Date(timeIntervalSince1970: 2_871_763_200))
    }

    @Test(arguments: [
        ("V\t290303062341Z\t\t0A\tunknown", "line 1: expected 6 tab-separated fields, found 5"),
        ("X\t290303062341Z\t\t0A\tunknown\t/CN=a", "line 1: status \"X\" is not V, R or E"),
        ("V\tyesterday\t\t0A\tunknown\t/CN=a", "line 1: \"yesterday\" is not a time"),
        ("V\t290303062341Z\t\tserial\tunknown\t/CN=a", "line 1: \"serial\" is not a serial number"),
        ("R\t290303062341Z\t\t0A\tunknown\t/CN=a", "line 1: revoked without a revocation time"),
    ])
    func corruptDatabaseLinesAreLocated(_ line: String, _ message: String) {
        let error = #expect(throws: CertToolsError.self) { try CADatabase(parsing: line + "\n", path: "index.txt") }
        #expect(error?.code == .invalidCAFolder)
        #expect(error?.description == "index.txt: \(message)")
    }
}
