import EmqxTestSupport
import Foundation
import Testing

@testable import Stores

/// `importFile` on good and bad files, each bad case on its own.
@Suite struct PSKImportTests {
    let folder: TemporaryDirectory
    let store: PSKStore

    init() throws {
        folder = try TemporaryDirectory()
        store = try PSKStore.open(path: folder.file("data/psk.db"))
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = folder.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

    func importing(_ text: String, _ configure: (inout PSKImportOptions) -> Void = { _ in }) throws -> PSKImportReport {
        var options = PSKImportOptions()
        configure(&options)
        return try store.importFile(try write("init.psk", text), options: options)
    }

    func secrets() throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        try store.forEachSecret { result[String(decoding: $0, as: UTF8.self)] = $1 }
        return result
    }

    func failure(_ body: () throws -> Void) -> StoreError? {
        #expect(throws: StoreError.self) { try body() }
        do { try body() } catch let error as StoreError { return error } catch {}
        return nil
    }

    @Test func emqxSampleFormatStoresTheTextAsTheKey() throws {
        let report = try importing(
            "myclient1:8c701116e9127c57a99d5563709af3deaca75563e2c4dd0865701ae839fb6d79\nmyclient2:d1e617d3b963757bfc21dad3fea169716c3a2f053f23decaea5cdfaabd04bfc4\n"
        )
        #expect(report.added == 2)
        #expect(try secrets()["myclient1"] == Array("8c701116e9127c57a99d5563709af3deaca75563e2c4dd0865701ae839fb6d79".utf8))
        #expect(report.hexLookingSecrets == 2)
        #expect(report.warnings.first?.contains("looks like hex") == true)
    }

    @Test func hexEncodingDecodes() throws {
        let report = try importing("dev:00ff10AB\n") { $0.encoding = .hex }
        #expect(report.added == 1)
        #expect(try secrets()["dev"] == [0x00, 0xFF, 0x10, 0xAB])
        #expect(report.hexLookingSecrets == 0)
    }

    @Test func bomCRLFCommentsAndBlankLines() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("# devices\r\n\r\na:1\r\n   \n# b:2\nc:3".utf8)
        let report = try store.importFile(try write("init.psk", bytes), options: PSKImportOptions())
        #expect(report.added == 2)
        #expect(report.skipped == 4)
        #expect(try secrets() == ["a": Array("1".utf8), "c": Array("3".utf8)])
    }

    @Test func splitsAtTheFirstSeparatorAndKeepsTrailingSpaces() throws {
        let report = try importing("id:se:cret \nwith::double\n")
        #expect(try secrets()["id"] == Array("se:cret ".utf8))
        #expect(try secrets()["with"] == Array(":double".utf8))
        #expect(report.trailingSpaces == 1)
        #expect(report.warnings.contains { $0.hasPrefix("line 1: the secret ends in a space") })
        let custom = try importing("x==>y\n") { $0.separator = "==>" }
        #expect(custom.added == 1)
        #expect(try secrets()["x"] == Array("y".utf8))
    }

    @Test func duplicatesLastWinsWithAWarningNamingBothLines() throws {
        let report = try importing("a:first\nb:x\na:second\n")
        #expect(report.added == 2)
        #expect(report.duplicates == 1)
        #expect(report.warnings.contains { $0 == "line 3: the identity \"a\" repeats line 1; line 3 wins" })
        #expect(try secrets()["a"] == Array("second".utf8))
    }

    @Test func upsertReplaceAndDryRunCounts() throws {
        _ = try importing("a:1\nb:2\nc:3\n")
        let again = try importing("a:1\nb:changed\nd:4\n")
        #expect((again.added, again.updated, again.unchanged, again.removed) == (1, 1, 1, 0))
        #expect(try secrets().count == 4)

        let dry = try importing("a:1\ne:5\n") {
            $0.replace = true
            $0.dryRun = true
        }
        #expect((dry.added, dry.updated, dry.unchanged, dry.removed) == (1, 0, 1, 3))
        #expect(try secrets().count == 4)  // nothing changed

        let replaced = try importing("a:1\ne:5\n") { $0.replace = true }
        #expect(replaced.removed == 3)
        #expect(try secrets().keys.sorted() == ["a", "e"])
    }

    @Test func aBadLineRollsBackEverythingWhateverTheChunkSize() throws {
        _ = try importing("keep:old\n")
        var lines = (1...1000).map { "id-\($0):secret-\($0)" }
        lines.append("line 1001 has no separator")
        for chunk in [1, 50, 100_000] {
            let error = failure { _ = try importing(lines.joined(separator: "\n") + "\n") { $0.chunkSize = chunk } }
            #expect(error?.code == .invalidLine)
            #expect(error?.line == 1001)
            #expect(error?.description.hasSuffix("init.psk:1001: no \":\" separator: expected identity:secret") == true)
            #expect(try secrets() == ["keep": Array("old".utf8)])
        }
    }

    @Test(arguments: [
        (":secret\n", 1, "the identity is empty"),
        ("id:\n", 1, "the secret is empty"),
        ("ok:1\nid:\r\n", 2, "the secret is empty"),
        (String(repeating: "i", count: 257) + ":s\n", 1, "the identity is 257 bytes long; OpenSSL accepts at most 256"),
        ("id:" + String(repeating: "s", count: 513) + "\n", 1, "the secret is 513 bytes long; OpenSSL accepts at most 512"),
        ("a\u{0}b:secret\n", 1, "the identity contains a NUL byte"),
    ])
    func invalidEntriesNameTheirLine(_ text: String, _ line: Int, _ reason: String) throws {
        let error = failure { _ = try importing(text) }
        #expect(error?.line == line)
        #expect(error?.reason.hasPrefix(reason) == true, "\(String(describing: error))")
    }

    @Test func invalidHexSecrets() throws {
        let odd = failure { _ = try importing("id:abc\n") { $0.encoding = .hex } }
        #expect(odd?.reason == "the hex secret has an odd number of digits (3); each byte needs two")
        let notHex = failure { _ = try importing("id:00zz\n") { $0.encoding = .hex } }
        #expect(notHex?.reason == "the hex secret has a character that is not a hex digit at column 6")
        let long = failure { _ = try importing("id:" + String(repeating: "ab", count: 513) + "\n") { $0.encoding = .hex } }
        #expect(long?.reason.hasPrefix("the secret is 513 bytes long") == true)
        #expect(!(odd?.description.contains("abc") ?? true), "errors never show the secret")
    }

    @Test func aVeryLongLineIsRefusedWithoutReadingItAll() throws {
        let text = "ok:1\n" + String(repeating: "x", count: 10 << 20) + "\n"
        let error = failure { _ = try importing(text) }
        #expect(error?.line == 2)
        #expect(error?.reason.hasPrefix("the line is longer than 4096 bytes") == true)
    }

    @Test func binaryGarbageIsRejected() throws {
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let error = failure { _ = try store.importFile(try write("garbage.bin", garbage), options: PSKImportOptions()) }
        #expect(error?.code == .invalidLine, "\(String(describing: error))")
        #expect(try secrets().isEmpty)
    }

    @Test func emptyFilesImportNothing() throws {
        for text in ["", "# only comments\n\n"] {
            let error = failure { _ = try importing(text) { $0.replace = true } }
            #expect(
                error?.reason.hasPrefix("holds no identities; nothing was imported (with --replace this would have deleted every identity)")
                    == true)
        }
    }

    @Test func missingFileAndDirectory() throws {
        let missing = failure { _ = try store.importFile(folder.file("nope.psk"), options: PSKImportOptions()) }
        #expect(missing?.description.hasSuffix("nope.psk: cannot read: No such file or directory") == true)
        let directory = failure { _ = try store.importFile(folder.path, options: PSKImportOptions()) }
        #expect(directory?.reason == "cannot read: not a regular file")
    }

    @Test func separatorAndChunkSizeAreChecked() throws {
        #expect(failure { _ = try importing("a:b\n") { $0.separator = "" } }?.reason == "the separator is empty")
        #expect(failure { _ = try importing("a:b\n") { $0.chunkSize = 0 } }?.reason == "chunk_size must be at least 1, not 0")
    }

    @Test func importsSpanningReadBlocksKeepEveryLine() throws {
        // Lines long enough that many straddle the 256 KiB read boundary.
        let lines = (0..<20_000).map { "device-\($0):" + String(repeating: "k", count: 40 + $0 % 17) }
        let report = try importing(lines.joined(separator: "\n"))  // and no newline at the end
        #expect(report.added == 20_000)
        #expect(try store.secret(for: Array("device-19999".utf8)) == Array(String(repeating: "k", count: 40 + 19999 % 17).utf8))
    }
}
