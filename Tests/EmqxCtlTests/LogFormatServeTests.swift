import EmqxTestSupport
import Foundation
import Testing

/// `log.console.formatter = json` (EMQX's key): one JSON object per line, for log shippers.
@Suite struct LogFormatServeTests {
    @Test func jsonLinesOnStderr() throws {
        let broker = try ServeHarness(config: ServeHarness.defaultConfig + "\nlog.console.formatter = json\n")
        // A TLS client on the plaintext port leaves a line with metadata (listener, peer).
        _ = try OpenSSLCLI.run(["s_client", "-connect", "127.0.0.1:\(broker.port)"], in: broker.folder.path, timeout: 10)
        usleep(300_000)
        let lines = broker.process.stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 2)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            #expect(object?["level"] != nil && object?["msg"] != nil && object?["time"] != nil, "\(line)")
        }
        #expect(lines.contains { $0.contains(#""msg":"Listener tcp:default on 127.0.0.1:"#) })
        #expect(lines.contains { $0.contains(#""listener":"tcp:default""#) }, "metadata become fields: \(lines)")
    }
}
