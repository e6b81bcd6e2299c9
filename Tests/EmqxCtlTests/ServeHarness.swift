import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl serve` on an ephemeral loopback port, for tests that talk to it with real clients.
final class ServeHarness {
    let folder: TemporaryDirectory
    let process: Subprocess.Running
    let port: UInt16

    static let defaultConfig = """
        listeners.tcp.default.bind = "127.0.0.1:0"
        listeners.ssl.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        """

    /// Starts the broker with `config` and waits for its listener line (up to 20 s).
    init(config: String = defaultConfig) throws {
        folder = try TemporaryDirectory()
        try folder.write("emqx.conf", config)
        process = try Subprocess(Emqxctl.binary, ["serve", "--config", "emqx.conf", "--log-level", "info"], workingDirectory: folder.path)
            .start()
        let deadline = Date().addingTimeInterval(20)
        var found: UInt16?
        while found == nil && process.isRunning && Date() < deadline {
            found = Self.port(in: process.stderr)
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            let outcome = process.stop()
            throw HarnessFailure(description: "serve did not start: \(outcome)")
        }
        port = found
    }

    deinit { process.stop() }

    /// The port of "Listener tcp:default on 127.0.0.1:PORT started."
    static func port(in log: String) -> UInt16? {
        guard let range = log.range(of: "Listener tcp:default on 127.0.0.1:") else { return nil }
        return UInt16(log[range.upperBound...].prefix { $0.isNumber })
    }

    struct HarnessFailure: Error, CustomStringConvertible {
        let description: String
    }
}
