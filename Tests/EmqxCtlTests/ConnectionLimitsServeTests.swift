import EmqxTestSupport
import Foundation
import Testing

/// max_connections and max_conn_rate, enforced at accept, from raw clients.
@Suite(.serialized) struct ConnectionLimitsServeTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/limits_check.py").path

    static func check(_ arguments: [String]) throws -> String {
        try Subprocess("python3", [script] + arguments).run(timeout: 30).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func pastMaxConnectionsNewOnesAreRefusedWhileExistingOnesKeepWorking() throws {
        let broker = try ServeHarness(
            config: ServeHarness.defaultConfig.replacingOccurrences(
                of: #"listeners.tcp.default.bind = "127.0.0.1:0""#,
                with: #"listeners.tcp.default { bind = "127.0.0.1:0", max_connections = 3 }"#))
        #expect(try Self.check(["capacity", "\(broker.port)", "3"]) == "extra refused, first still works")
        #expect(broker.process.stderr.contains("is at max_connections (3)"))
    }

    /// A burst of 2, then 2 per second: 20 connections at once mostly shed, and counted.
    @Test func maxConnRateShedsAStorm() throws {
        let broker = try ServeHarness(
            config: ServeHarness.defaultConfig.replacingOccurrences(
                of: #"listeners.tcp.default.bind = "127.0.0.1:0""#,
                with: #"listeners.tcp.default { bind = "127.0.0.1:0", max_conn_rate = "2/s", max_conn_burst = 2 }"#))
        let outcome = try Self.check(["rate", "\(broker.port)", "20"])
        let admitted = Int(outcome.split(separator: " ")[1]) ?? -1
        #expect((2...4).contains(admitted), "\(outcome)")
        #expect(broker.process.stderr.contains("is over max_conn_rate"), "\(broker.process.stderr)")
    }
}
