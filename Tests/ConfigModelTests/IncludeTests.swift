import ConfigModel
import Foundation
import Testing

/// `include` with real files: relative to the including file, optional or required, cycles.
@Suite struct IncludeTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("include-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("etc/conf.d"), withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    func load(_ name: String) -> ConfigLoadResult {
        ConfigLoader(environment: [:]).load(path: folder.appendingPathComponent(name).path)
    }

    @Test func includedValuesMergeAndKeepTheirOwnLocations() throws {
        try write(
            "etc/emqx.conf",
            "listeners.tcp.default.bind = 1883\ninclude \"conf.d/listeners.conf\"\nlisteners.tcp.default.max_connections = 10\n")
        try write("etc/conf.d/listeners.conf", "\nlisteners.tcp.default {\n  bind = 2883\n  max_connections = 5\n}\n")
        let result = load("etc/emqx.conf")
        #expect(!result.hasErrors, "\(DiagnosticRenderer.render(result.diagnostics))")
        let tcp = try #require(result.config?.listener("tcp:default"))
        #expect(tcp.bind.value.port == 2883)
        #expect(tcp.bind.location?.file.hasSuffix("etc/conf.d/listeners.conf") == true)
        #expect(tcp.bind.location?.line == 3)
        #expect(tcp.maxConnections == 10)  // written after the include, so it wins
    }

    @Test func optionalIncludeMayBeMissingButRequiredMayNot() throws {
        try write("etc/emqx.conf", "include \"nope.conf\"\ninclude required(\"conf.d/also-nope.conf\")\n")
        let result = load("etc/emqx.conf")
        let rendered = DiagnosticRenderer.render(result.diagnostics)
        #expect(rendered.contains("emqx.conf:1:1: note[hocon-include-missing]: the optional include"), "\(rendered)")
        #expect(rendered.contains("emqx.conf:2:1: error[hocon-include-missing]: cannot read"), "\(rendered)")
        #expect(rendered.contains("etc/conf.d/also-nope.conf\": no such file"), "\(rendered)")
    }

    @Test func includeCyclesAreReported() throws {
        try write("etc/emqx.conf", "include \"conf.d/a.conf\"\n")
        try write("etc/conf.d/a.conf", "include \"b.conf\"\n")
        try write("etc/conf.d/b.conf", "include \"a.conf\"\nlisteners.tcp.default.bind = 1\n")
        let result = load("etc/emqx.conf")
        #expect(result.diagnostics.contains { $0.code == .hoconIncludeCycle && $0.location?.file.hasSuffix("b.conf") == true })
        #expect(result.config?.listener("tcp:default")?.bind.value.port == 1)
    }

    @Test func syntaxErrorsInIncludedFilesNameThatFile() throws {
        try write("etc/emqx.conf", "include \"conf.d/bad.conf\"\n")
        try write("etc/conf.d/bad.conf", "a {\n")
        let rendered = DiagnosticRenderer.render(load("etc/emqx.conf").diagnostics)
        #expect(rendered.contains("etc/conf.d/bad.conf:1:3: error[hocon-syntax]"), "\(rendered)")
    }
}
