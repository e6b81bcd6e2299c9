import CertTools
import Testing

@Suite struct PEMParserTests {
    static let body = "MIIBfjCCASOgAwIBAgIUQ2VydGlmaWNhdGUgYm9keSBmb3IgdGVzdHMwCgYIKoZI"

    @Test func readsBlocksWithTheirLinesAndIgnoresTextAround() throws {
        let text = """
            Certificate:
                Data: printed by openssl x509 -text
            -----BEGIN CERTIFICATE-----
            \(Self.body)
            -----END CERTIFICATE-----
            -----BEGIN X509 CRL-----
            \(Self.body)
            -----END X509 CRL-----

            """
        let blocks = try PEMParser.blocks(in: text)
        #expect(blocks.map(\.label) == ["CERTIFICATE", "X509 CRL"])
        #expect(blocks.map(\.line) == [3, 6])
        #expect(blocks[0].der.count == 48)
    }

    @Test func acceptsCRLF() throws {
        let text = "-----BEGIN CERTIFICATE-----\r\n\(Self.body)\r\n-----END CERTIFICATE-----\r\n"
        #expect(try PEMParser.blocks(in: text).count == 1)
    }

    @Test func truncatedBlockNamesItsLine() throws {
        let text = "\n\n-----BEGIN CERTIFICATE-----\n\(Self.body)\n"
        let error = #expect(throws: CertToolsError.self) { try PEMParser.blocks(in: text, path: "cut.pem") }
        #expect(error?.code == .invalidEncoding)
        #expect(error?.description == "cut.pem: line 3: the CERTIFICATE block has no END line (the file is truncated)")
    }

    @Test func blockCutOffByTheNextBeginIsReported() throws {
        let text = "-----BEGIN CERTIFICATE-----\n\(Self.body)\n-----BEGIN CERTIFICATE-----\n\(Self.body)\n-----END CERTIFICATE-----\n"
        let error = #expect(throws: CertToolsError.self) { try PEMParser.blocks(in: text) }
        #expect(error?.reason.contains("line 1") == true)
        #expect(error?.reason.contains("next BEGIN at line 3") == true)
    }

    @Test func mismatchedEndAndStrayEndAreReported() throws {
        let mismatched = "-----BEGIN CERTIFICATE-----\n\(Self.body)\n-----END X509 CRL-----\n"
        let error = #expect(throws: CertToolsError.self) { try PEMParser.blocks(in: mismatched) }
        #expect(error?.reason == "line 3: END X509 CRL does not close BEGIN CERTIFICATE from line 1")
        #expect(throws: CertToolsError.self) { try PEMParser.blocks(in: "-----END CERTIFICATE-----\n") }
    }

    @Test func nonBase64BodyNamesTheLine() throws {
        let text = "-----BEGIN CERTIFICATE-----\n\(Self.body)\nthis is not base64!\n-----END CERTIFICATE-----\n"
        let error = #expect(throws: CertToolsError.self) { try PEMParser.blocks(in: text) }
        #expect(error?.reason == "line 3: the CERTIFICATE block holds characters that are not base64")
    }

    @Test func emptyAndBadlyPaddedBodiesAreRejected() throws {
        #expect(throws: CertToolsError.self) { try PEMParser.blocks(in: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n") }
        #expect(throws: CertToolsError.self) { try PEMParser.blocks(in: "-----BEGIN CERTIFICATE-----\nQUJD=\n-----END CERTIFICATE-----\n") }
    }

    @Test func encodeWrapsAt64Columns() throws {
        let pem = PEMParser.encode(Array(repeating: 0xAB, count: 100), label: "CERTIFICATE")
        let lines = pem.split(separator: "\n")
        #expect(lines.first == "-----BEGIN CERTIFICATE-----")
        #expect(lines[1].count == 64)
        #expect(try PEMParser.blocks(in: pem).first?.der == Array(repeating: 0xAB, count: 100))
    }
}
