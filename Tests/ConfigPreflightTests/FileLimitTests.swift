import ConfigModel
import Foundation
import Testing

@testable import ConfigPreflight

/// The classic cap at 1024: max_connections that add up past the open-file limit are warned
/// about, by config check and by serve (which runs the same preflight).
@Suite struct FileLimitTests {
    func diagnostics(_ text: String, limit: UInt64) throws -> [Diagnostic] {
        let loaded = ConfigLoader(environment: [:]).load(text: text, path: "emqx.conf")
        var preflight = Preflight(environment: [:])
        preflight.fileLimitOverride = limit
        return try preflight.check(#require(loaded.config)).diagnostics.with(.fileLimit)
    }

    @Test func maxConnectionsPastTheOpenFileLimit() throws {
        let config = """
            listeners.ssl.default = marked_for_deletion
            listeners.tcp.default { max_connections = 800 }
            listeners.tcp.second { bind = 1884, max_connections = 600 }
            """
        let warned = try diagnostics(config, limit: 1024)
        #expect(warned.count == 1 && warned[0].severity == .warning)
        #expect(warned[0].message.contains("1024") && warned[0].message.contains("1400"), "\(warned)")
        #expect(try diagnostics(config, limit: 65536).isEmpty)
        #expect(try diagnostics("listeners.ssl.default = marked_for_deletion\n", limit: 1024).isEmpty, "infinity is not summed")
    }
}
