import ConfigModel
import Foundation
import Testing

/// Replays every input that ever crashed or hung the fuzzer (FuzzTesting/FailCases/HOCON):
/// each must load, with or without diagnostics, and not crash.
@Suite struct FuzzFailCaseTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FuzzTesting/FailCases/HOCON")

    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()

    @Test func thereAreFailCases() {
        #expect(!Self.cases.isEmpty)
    }

    @Test(arguments: cases)
    func replay(_ name: String) throws {
        let bytes = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        let text = String(decoding: bytes, as: UTF8.self)
        let result = ConfigLoader(environment: [:]).load(text: text, path: name)
        #expect(result.config != nil)
    }
}
