import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl serve` against real MQTT clients: paho-mqtt and mosquitto_pub/sub, over loopback.
@Suite(.serialized) struct ServeTests {
    static let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients")

    /// Every feature check in Clients/paho_features.py, in MQTT 3.1.1 and 5.0.
    @Test func pahoFeatureChecks() throws {
        let broker = try ServeHarness()
        let outcome = try Subprocess("python3", [Self.clients.appendingPathComponent("paho_features.py").path, String(broker.port)]).run(
            timeout: 180)
        let lines = outcome.stdout.split(separator: "\n")
        for line in lines where line.hasPrefix("FAIL") { Issue.record("\(line)") }
        #expect(lines.filter { $0.hasPrefix("PASS") }.count >= 36, "\(outcome)")
        #expect(outcome.status == 0, "\(outcome)")
    }

    @Test(arguments: ["mqttv311", "mqttv5"], [0, 1, 2])
    func mosquittoPubSub(_ version: String, qos: Int) throws {
        let broker = try ServeHarness()
        let topic = "mosquitto/\(version)/\(qos)"
        let subscriber = try Subprocess(
            "mosquitto_sub",
            [
                "-h", "127.0.0.1", "-p", "\(broker.port)", "-V", version, "-q", "\(qos)", "-t", topic, "-C", "3", "-v", "-i",
                "sub-\(version)-\(qos)",
            ]
        ).start()
        try waitForSubscriber(broker)
        for index in 1...3 {
            let published = try Subprocess(
                "mosquitto_pub",
                ["-h", "127.0.0.1", "-p", "\(broker.port)", "-V", version, "-q", "\(qos)", "-t", topic, "-m", "message \(index)"]
            ).run(timeout: 10)
            #expect(published.status == 0, "\(published)")
        }
        let deadline = Date().addingTimeInterval(10)
        while subscriber.isRunning && Date() < deadline { usleep(10_000) }
        let received = subscriber.stop()
        #expect(received.stdout == (1...3).map { "\(topic) message \($0)\n" }.joined(), "\(received)")
    }

    @Test func mosquittoRetainedAndWill() throws {
        let broker = try ServeHarness()
        let port = "\(broker.port)"
        let retained = try Subprocess("mosquitto_pub", ["-h", "127.0.0.1", "-p", port, "-t", "status/lamp", "-m", "on", "-r", "-q", "1"])
            .run(timeout: 10)
        #expect(retained.status == 0)
        let read = try Subprocess("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, "-t", "status/#", "-C", "1", "-v"]).run(timeout: 10)
        #expect(read.stdout == "status/lamp on\n", "\(read)")

        let watcher = try Subprocess("mosquitto_sub", ["-h", "127.0.0.1", "-p", port, "-t", "wills/#", "-C", "1", "-v"]).start()
        let dying = try Subprocess(
            "mosquitto_sub",
            ["-h", "127.0.0.1", "-p", port, "-t", "x", "--will-topic", "wills/device", "--will-payload", "offline", "-i", "dying"]
        ).start()
        usleep(500_000)
        kill(dying.processIdentifier, SIGKILL)
        _ = dying.stop()
        let deadline = Date().addingTimeInterval(10)
        while watcher.isRunning && Date() < deadline { usleep(10_000) }
        #expect(watcher.stop().stdout == "wills/device offline\n")
    }

    @Test func badConfigStopsStartUp() throws {
        let folder = try TemporaryDirectory()
        try folder.write(
            "emqx.conf",
            """
            listeners.tcp.default.bind = "localhost:1883"
            listeners.tcp.default.mountpoint = "tenant/"
            listeners.ssl.default = marked_for_deletion
            """)
        let outcome = try Emqxctl.run(["serve", "--config", "emqx.conf"], in: folder.path, timeout: 20)
        #expect(outcome.status == 2, "\(outcome)")
        #expect(outcome.stderr.contains("error[bind-invalid]"), "\(outcome)")
        // What the summary counts is printed: the warning too.
        #expect(outcome.stderr.contains("warning[no-effect]: listeners.tcp.default.mountpoint"), "\(outcome)")
        #expect(outcome.stderr.contains("not starting: 1 error, 1 warning"), "\(outcome)")
    }

    /// A port already taken (by a mosquitto service, say) is named with its listener, the
    /// address and how to find the other process.
    @Test func aPortInUseIsNamedWithItsListener() throws {
        let first = try ServeHarness()
        let folder = try TemporaryDirectory()
        try folder.write(
            "emqx.conf",
            "listeners.tcp.default.bind = \"127.0.0.1:\(first.port)\"\n\(ServeHarness.defaultConfig.split(separator: "\n").dropFirst().joined(separator: "\n"))\n"
        )
        let outcome = try Emqxctl.run(["serve", "--config", "emqx.conf"], in: folder.path, timeout: 20)
        #expect(outcome.status == 1, "\(outcome)")
        #expect(
            outcome.stderr.contains(
                "Error: tcp:default 127.0.0.1:\(first.port) is already in use (`ss -ltnp 'sport = :\(first.port)'` shows by what"),
            "\(outcome)")
        #expect(!outcome.stderr.contains("errno: 98)"), "\(outcome)")
    }

    @Test func sigtermSendsServerShuttingDownToV5Clients() throws {
        let broker = try ServeHarness()
        let script = """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
            body = b"\\x00\\x04MQTT\\x05\\x02\\x00\\x3c\\x00\\x00\\x01c"
            s.sendall(bytes([0x10, len(body)]) + body)
            s.recv(64)
            print("connected", flush=True)
            data = b""
            while True:
                chunk = s.recv(64)
                if not chunk:
                    break
                data += chunk
            print(data.hex())
            """
        try broker.folder.write("client.py", script)
        let client = try Subprocess("python3", [broker.folder.file("client.py"), "\(broker.port)"]).start()
        let deadline = Date().addingTimeInterval(10)
        while !client.stdout.contains("connected") && Date() < deadline { usleep(10_000) }
        kill(broker.process.processIdentifier, SIGTERM)
        while client.isRunning && Date() < deadline { usleep(10_000) }
        let outcome = client.stop()
        #expect(outcome.stdout.hasSuffix("e0018b\n"), "\(outcome)")
        let server = broker.process.stop()
        #expect(server.status == 0, "\(server)")
        #expect(server.stderr.contains("stopping: closing 1 connection"), "\(server)")
        #expect(server.stderr.contains("stopped: 1 connection closed in "), "\(server)")
    }

    /// Waits until the broker has accepted the subscriber's connection (its log says so at
    /// debug level only, so give it a moment and probe the port).
    private func waitForSubscriber(_ broker: ServeHarness) throws {
        usleep(300_000)
        #expect(Loopback.waitUntilListening(port: broker.port))
    }
}
