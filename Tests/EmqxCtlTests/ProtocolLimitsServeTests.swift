import EmqxTestSupport
import Foundation
import Testing

/// `mqtt.server_keepalive` and the inbound Receive Maximum, from raw packets over a socket
/// (Clients/protocol_limits.py), in MQTT 3.1.1 and 5.0.
@Suite struct ProtocolLimitsServeTests {
    @Test func serverKeepAliveAndReceiveMaximum() throws {
        let config = """
            mqtt { server_keepalive = 30, max_inflight = 4 }
            \(ServeHarness.defaultConfig)
            """
        let broker = try ServeHarness(config: config)
        let script = ServeTests.clients.appendingPathComponent("protocol_limits.py").path
        let outcome = try Subprocess("python3", [script, "\(broker.port)"]).run(timeout: 60)
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.count == 4, "\(outcome)")
        for line in lines { #expect(line.hasSuffix(": ok"), "\(line)") }
        #expect(outcome.status == 0, "\(outcome)")
    }
}
