import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl bench` against `emqxctl serve`: short, bounded runs whose counts must add up.
@Suite(.serialized) struct BenchTests {
    @Test func pubAndSubCountTheSameMessages() throws {
        let broker = try ServeHarness()
        let port = "\(broker.port)"
        let subscriber = try Subprocess(
            Emqxctl.binary, ["bench", "sub", "--port", port, "--clients", "2", "--qos", "1", "--topic", "bench/%i", "--duration", "4"]
        ).start()
        usleep(700_000)
        let publisher = try Emqxctl.run(
            ["bench", "pub", "--port", port, "--clients", "2", "--qos", "1", "--topic", "bench/%i", "--duration", "2", "--rate", "500"]
        )
        #expect(publisher.status == 0, "\(publisher)")
        let deadline = Date().addingTimeInterval(15)
        while subscriber.isRunning && Date() < deadline { usleep(20_000) }
        let received = subscriber.stop()
        let sent = Self.number(before: " sent", in: publisher.stdout) ?? -1
        let got = Self.number(before: " received", in: received.stdout) ?? -2
        #expect(sent > 1000, "\(publisher)")
        #expect(got == sent, "published \(sent), received \(got): \(received)")
        #expect(received.stdout.contains("latency p50"), "\(received)")
    }

    /// `--ws`: the same counts over a ws listener, through NIOWebSocket's client upgrade.
    @Test func pubAndSubOverWebSocket() throws {
        let broker = try ServeHarness(
            config: """
                listeners.tcp.default = marked_for_deletion
                listeners.ssl.default = marked_for_deletion
                listeners.ws.default.bind = "127.0.0.1:0"
                authorization { no_match = allow, sources = [] }
                """)
        let port = "\(broker.port)"
        let subscriber = try Subprocess(
            Emqxctl.binary, ["bench", "sub", "--port", port, "--ws", "--qos", "1", "--topic", "ws/%i", "--duration", "4"]
        ).start()
        usleep(700_000)
        let publisher = try Emqxctl.run(
            ["bench", "pub", "--port", port, "--ws", "--qos", "1", "--topic", "ws/%i", "--duration", "2", "--rate", "300"])
        #expect(publisher.status == 0, "\(publisher)")
        let deadline = Date().addingTimeInterval(15)
        while subscriber.isRunning && Date() < deadline { usleep(20_000) }
        let received = subscriber.stop()
        let sent = Self.number(before: " sent", in: publisher.stdout) ?? -1
        #expect(sent > 300, "\(publisher)")
        #expect(Self.number(before: " received", in: received.stdout) == sent, "\(received)")
    }

    /// The number just before `marker` ("1840 sent" → 1840).
    static func number(before marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(String(text[..<range.lowerBound].reversed().prefix { $0.isNumber }.reversed()))
    }

    @Test(arguments: [1, 8]) func connMeasuresConnectionsAndStopsOnTime(concurrency: Int) throws {
        let broker = try ServeHarness()
        let started = Date()
        let outcome = try Emqxctl.run(["bench", "conn", "--port", "\(broker.port)", "--duration", "2", "--concurrency", "\(concurrency)"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains(" 0 failed"), "\(outcome)")
        #expect((Self.number(before: " connected", in: outcome.stdout) ?? 0) > 0, "\(outcome)")
        #expect(Date().timeIntervalSince(started) < 8)
    }

    /// The help's examples fit 80 columns: none wraps back to the left margin.
    @Test func helpExamplesStayIndented() throws {
        let help = try Emqxctl.run(["bench", "--help"], environment: ["COLUMNS": "80"])
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let examples = lines.drop { $0 != "EXAMPLES" }.dropFirst().prefix { !$0.isEmpty }
        #expect(examples.count >= 5, "\(help)")
        #expect(examples.allSatisfy { $0.hasPrefix("  ") }, "\(examples)")
        #expect(help.stdout.contains("EXIT CODES"), "\(help)")
    }

    @Test func connConcurrencyIsBoundedAndNotPaced() throws {
        for bad in [["--concurrency", "0"], ["--concurrency", "1001"], ["--concurrency", "2", "--rate", "10"]] {
            let outcome = try Emqxctl.run(["bench", "conn", "--duration", "1"] + bad)
            #expect(outcome.status == 64, "\(bad): \(outcome)")
        }
    }

    /// Nothing succeeded: exit 1, and stderr says why, each kind of failure counted.
    @Test func aRunWhereNothingSucceedsFailsAndSaysWhy() throws {
        let closed = try Loopback.freePort()
        let refused = try Emqxctl.run(["bench", "conn", "--port", "\(closed)", "--duration", "1"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("failed: connection refused ×"), "\(refused)")
        #expect(refused.stderr.contains("Error: no connection succeeded"), "\(refused)")

        let nobody = try Emqxctl.run(["bench", "sub", "--port", "\(closed)", "--duration", "1"])
        #expect(nobody.status == 1, "\(nobody)")
        #expect(nobody.stderr.contains("connection refused ×1"), "\(nobody)")

        // A plaintext client against a TLS port is a failure, not "0 connected, 0 failed".
        let broker = try ServeHarness(
            config: """
                listeners.tcp.default = marked_for_deletion
                listeners.ws.default = marked_for_deletion
                listeners.wss.default = marked_for_deletion
                listeners.ssl.default {
                  bind = "127.0.0.1:0", ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem", handshake_timeout = 1s }
                }
                """
        ) { folder in
            let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
        }
        let plaintext = try Emqxctl.run(["bench", "conn", "--port", "\(broker.port)", "--duration", "2"])
        #expect(plaintext.status == 1, "\(plaintext)")
        #expect(!plaintext.stdout.contains(" 0 failed"), "\(plaintext)")
        #expect(plaintext.stderr.contains("closed the connection before CONNACK"), "\(plaintext)")
    }
}
