import EmqxTestSupport
import Foundation
import Testing

/// `serve` against slow and hostile peers on raw sockets (Clients/slow_peers.py): a subscriber
/// that stops reading costs its own bounded queue, never the publisher's rate, and a CONNECT
/// that trickles in is closed by idle_timeout counted from accept.
@Suite struct SlowPeersServeTests {
    static let config = """
        mqtt.idle_timeout = 2s
        listeners.tcp.default { bind = "127.0.0.1:0", tcp_options.send_timeout = 60s }
        listeners.ssl.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        """

    static func check(_ name: String, _ broker: ServeHarness) throws -> Subprocess.Outcome {
        let script = ServeTests.clients.appendingPathComponent("slow_peers.py").path
        return try Subprocess("python3", [script, name, "\(broker.port)", "\(broker.process.processIdentifier)"]).run(timeout: 90)
    }

    /// With one loop; with two (the subscriber, accepted first, on the second loop, the
    /// publisher on the broker's); with three (both away from the broker's loop, so its
    /// packets and the deliveries both cross loops, each way bounded).
    @Test(arguments: [1, 2, 3]) func aStalledSubscriberCostsItsOwnBoundedQueue(threads: Int) throws {
        let broker = try ServeHarness(config: Self.config, threads: threads)
        let outcome = try Self.check("stalled-subscriber", broker)
        #expect(outcome.stdout == "stalled-subscriber: ok\n", "\(outcome)")
    }

    @Test func aTrickledConnectIsClosedByIdleTimeoutFromAccept() throws {
        let broker = try ServeHarness(config: Self.config)
        let outcome = try Self.check("slowloris", broker)
        #expect(outcome.stdout == "slowloris: ok\n", "\(outcome)")
    }
}
