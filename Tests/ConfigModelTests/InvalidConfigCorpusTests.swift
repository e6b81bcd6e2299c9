import ConfigModel
import Testing

/// Every config under Fixtures/invalid has at least one error, and exactly the diagnostics in
/// its golden `.diagnostics.txt` (RECORD_SNAPSHOTS=1 re-records them).
@Suite struct InvalidConfigCorpusTests {
    static let names = FixtureFileSystem.names(in: "invalid")

    @Test func corpusIsLargeEnough() {
        #expect(Self.names.count >= 40)
    }

    @Test(arguments: names)
    func diagnosticsMatchTheGoldenFile(_ name: String) throws {
        let loader = ConfigLoader(environment: [:], fileSystem: FixtureFileSystem())
        let result = loader.load(path: "invalid/\(name).conf")
        #expect(result.hasErrors, "an invalid fixture must produce at least one error")
        try assertGolden(DiagnosticRenderer.render(result.diagnostics), path: "invalid/\(name).diagnostics.txt")
    }
}
