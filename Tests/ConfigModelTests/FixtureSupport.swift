import ConfigModel
import Foundation
import Testing

/// Reads fixture files relative to `Tests/ConfigModelTests/Fixtures`, so that diagnostics name
/// short, stable paths such as `invalid/01-bind-unquoted.conf`.
struct FixtureFileSystem: ConfigFileSystem {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func contents(of path: String) throws -> String? {
        try LocalFileSystem().contents(of: (Self.root as NSString).appendingPathComponent(path))
    }

    /// The fixture names in a folder, sorted, without extension.
    static func names(in folder: String, extension suffix: String = ".conf") -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: (root as NSString).appendingPathComponent(folder))) ?? []
        return files.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
    }
}

/// Golden files: compares `actual` with the file at `path` (under Fixtures). With
/// RECORD_SNAPSHOTS=1, or when the file is missing, it writes the file and fails the test, so
/// that a recording is always looked at before it is committed.
func assertGolden(_ actual: String, path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: FixtureFileSystem.root).appendingPathComponent(path)
    let recording = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    guard !recording, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try actual.write(to: url, atomically: true, encoding: .utf8)
        Issue.record("recorded \(path); check it and run the tests again", sourceLocation: sourceLocation)
        return
    }
    #expect(actual == expected, "\(path) differs; RECORD_SNAPSHOTS=1 re-records it", sourceLocation: sourceLocation)
}
