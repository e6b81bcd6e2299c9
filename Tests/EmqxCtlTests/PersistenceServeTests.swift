import EmqxTestSupport
import Foundation
import Testing

/// session_persistence and retainer on disc against real clients (persistence.py: paho-mqtt
/// and raw sockets, MQTT 3.1.1 and 5.0): the broker stops, by SIGTERM or by `kill -9` with
/// clients connected, and starts again on the same state store.
@Suite(.serialized) struct PersistenceServeTests {
    static let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients")
    static let config = """
        listeners.tcp.default.bind = "127.0.0.1:0"
        listeners.ssl.default = marked_for_deletion
        session_persistence.enable = true
        retainer.backend.storage_type = disc
        """

    @Test(arguments: [(SIGTERM, 4), (SIGTERM, 5), (SIGKILL, 4), (SIGKILL, 5)])
    func sessionsAndRetainedMessagesSurvive(signal: Int32, version: Int) throws {
        let broker = try RestartableBroker(config: Self.config)
        defer { broker.stop(SIGTERM) }
        try broker.start()
        let state = broker.folder.file("state.json")
        var client = Subprocess(
            "python3",
            [
                Self.clients.appendingPathComponent("persistence.py").path, "before", "--port", "\(broker.port)", "--version", "\(version)",
                "--state", state,
            ])
        client.keepsStandardInputOpen = true
        let before = try client.start()
        let deadline = Date().addingTimeInterval(30)
        while !before.stdout.contains("READY") && before.isRunning && Date() < deadline { usleep(20_000) }
        // The broker stops with the raw clients still connected.
        broker.stop(signal)
        let setUp = before.stop()
        #expect(setUp.stdout.contains("READY") && !setUp.stdout.contains("FAIL"), "\(setUp)")

        try broker.start()
        let after = try Subprocess(
            "python3",
            [
                Self.clients.appendingPathComponent("persistence.py").path, "after", "--port", "\(broker.port)", "--version", "\(version)",
                "--state", state,
            ]
        ).run(timeout: 60)
        #expect(after.status == 0 && !after.stdout.contains("FAIL"), "\(after)\n--- broker\n\(broker.log)")
        #expect(broker.log.contains("durable sessions") || broker.log.contains("durable session"), "\(broker.log)")
    }

    /// 100 `kill -9`s at random moments under a QoS 1 load (durability_load.py): every
    /// message the broker acknowledged reaches the durable subscriber; duplicates only as QoS
    /// 1 allows.
    @Test func aHundredCrashesUnderLoadLoseNothingAcknowledged() throws {
        let folder = try TemporaryDirectory()
        let port = try Loopback.freePort()
        try folder.write(
            "emqx.conf",
            """
            listeners.tcp.default.bind = "127.0.0.1:\(port)"
            listeners.ssl.default = marked_for_deletion
            session_persistence.enable = true
            """)
        let outcome = try Subprocess(
            "python3",
            [
                Self.clients.appendingPathComponent("durability_load.py").path, "--port", "\(port)", "--kills", "100", "--cwd",
                folder.path, "--", Emqxctl.binary, "serve", "--config", "emqx.conf", "--log-level", "warning",
            ]
        ).run(timeout: 300)
        #expect(outcome.status == 0 && outcome.stdout.contains("PASS every acknowledged message was delivered"), "\(outcome)")
        #expect(outcome.stdout.contains(" lost=0 "), "\(outcome)")
        let log = (try? String(contentsOfFile: folder.file("broker.log"), encoding: .utf8)) ?? ""
        #expect(!log.contains("error"), "\(log)")
    }

    /// A store another serve holds, or one that is not a database, stops start-up and says why.
    @Test func aStoreThatCannotBeUsedStopsStartUp() throws {
        let broker = try RestartableBroker(config: Self.config)
        defer { broker.stop(SIGTERM) }
        try broker.start()
        let second = try Emqxctl.run(["serve", "--config", "emqx.conf"], in: broker.folder.path, timeout: 20)
        #expect(second.status == 1, "\(second)")
        #expect(second.stderr.contains("data/broker.db: the broker state store is locked: another emqxctl serve is using it"), "\(second)")
        broker.stop(SIGTERM)

        try broker.folder.write("data/broker.db", String(repeating: "damaged ", count: 1000))
        for sidecar in ["data/broker.db-wal", "data/broker.db-shm"] {
            try? FileManager.default.removeItem(atPath: broker.folder.file(sidecar))
        }
        let damaged = try Emqxctl.run(["serve", "--config", "emqx.conf"], in: broker.folder.path, timeout: 20)
        #expect(damaged.status == 1, "\(damaged)")
        #expect(damaged.stderr.contains("file is not a database") && damaged.stderr.contains("not starting"), "\(damaged)")
    }
}

/// `serve` in one folder, stopped and started again on the same state store.
final class RestartableBroker {
    let folder: TemporaryDirectory
    private var process: Subprocess.Running?
    private(set) var port: UInt16 = 0
    /// Every run's log, in order.
    private var logs: [String] = []

    init(config: String) throws {
        folder = try TemporaryDirectory()
        try folder.write("emqx.conf", config)
    }

    var log: String { (logs + [process?.stderr ?? ""]).joined(separator: "\n--- restart\n") }

    func start() throws {
        let process = try Subprocess(
            Emqxctl.binary, ["serve", "--config", "emqx.conf", "--log-level", "info"], workingDirectory: folder.path
        )
        .start()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline {
            if let found = ServeHarness.port(in: process.stderr) {
                port = found
                return
            }
            usleep(20_000)
        }
        throw ServeHarness.HarnessFailure(description: "serve did not start: \(process.stop())")
    }

    /// SIGTERM waits for a clean stop; SIGKILL is a crash.
    func stop(_ signal: Int32) {
        guard let process else { return }
        self.process = nil
        if signal == SIGKILL, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        logs.append(process.stop().stderr)
    }
}
