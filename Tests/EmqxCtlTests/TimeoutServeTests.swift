import EmqxTestSupport
import Foundation
import Testing

/// `mqtt.idle_timeout` and `ssl_options.handshake_timeout` against raw sockets
/// (Clients/timeouts.py): silent clients are closed on time, and clients that connected in
/// time outlive both deadlines (the timers are never cancelled; they must find nothing to do).
@Suite struct TimeoutServeTests {
    @Test func silentClientsAreClosedAndConnectedOnesAreNot() throws {
        let config = """
            mqtt.idle_timeout = 1s
            listeners.tcp.default.bind = "127.0.0.1:0"
            listeners.ssl.default {
              bind = "127.0.0.1:0"
              ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem", handshake_timeout = 1s }
            }
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            """
        let broker = try ServeHarness(config: config) { folder in
            let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
        }
        let ports = try broker.ports(of: ["tcp:default", "ssl:default"])
        let script = ServeTests.clients.appendingPathComponent("timeouts.py").path
        let outcome = try Subprocess("python3", [script, "\(ports["tcp:default"]!)", "\(ports["ssl:default"]!)"]).run(timeout: 60)
        let lines = outcome.stdout.split(separator: "\n")
        #expect(lines.count == 4, "\(outcome)")
        for line in lines { #expect(line.hasSuffix(": ok"), "\(line)") }
        #expect(outcome.status == 0, "\(outcome)")
        // Each reap is logged, naming the listener and the peer.
        let log = broker.process.stderr
        #expect(log.contains("listener=ssl:default peer=127.0.0.1:"), "\(log)")
        #expect(log.contains("no TLS handshake within ssl_options.handshake_timeout (the client sent nothing)"), "\(log)")
        #expect(log.contains("no CONNECT within mqtt.idle_timeout"), "\(log)")
    }
}
