import Testing

@testable import ConfigModel

/// Every acl.conf under Fixtures/acl has at least one error, and exactly the located
/// diagnostics in its golden `.diagnostics.txt` (RECORD_SNAPSHOTS=1 re-records them).
@Suite struct ACLCorpusTests {
    static let names = FixtureFileSystem.names(in: "acl")

    @Test func corpusCoversTheGrammar() {
        #expect(Self.names.count >= 10)
    }

    @Test(arguments: names)
    func diagnosticsMatchTheGoldenFile(_ name: String) throws {
        let sink = DiagnosticSink()
        let path = Located("acl/\(name).conf", at: nil, keyPath: "authorization.sources.1.path")
        _ = ACLFile.load(path, fileSystem: FixtureFileSystem(), sink: sink)
        #expect(sink.diagnostics.contains { $0.severity == .error })
        #expect(sink.diagnostics.allSatisfy { $0.location != nil }, "every problem is located")
        try assertGolden(DiagnosticRenderer.render(sink.diagnostics), path: "acl/\(name).diagnostics.txt")
    }
}
