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
    /// `prepare` runs in the broker's folder first (to make certificates, say). `threads`:
    /// its event loops (serve's default, one per core, without it); `options`: more of serve's.
    init(
        config: String = defaultConfig, threads: Int? = nil, options: [String] = [],
        prepare: (TemporaryDirectory) throws -> Void = { _ in }
    ) throws {
        folder = try TemporaryDirectory()
        try prepare(folder)
        try folder.write("emqx.conf", config)
        let loops = threads.map { ["--threads", "\($0)"] } ?? []
        process = try Subprocess(
            Emqxctl.binary, ["serve", "--config", "emqx.conf", "--log-level", "info"] + loops + options, workingDirectory: folder.path
        ).start()
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

    /// The port of "Listener <id> on 127.0.0.1:PORT started." (the first listener by default).
    static func port(in log: String, listener: String? = nil) -> UInt16? {
        guard let range = log.range(of: "Listener \(listener ?? "")") else { return nil }
        guard let at = log[range.upperBound...].range(of: " on 127.0.0.1:") else { return nil }
        return UInt16(log[at.upperBound...].prefix { $0.isNumber })
    }

    /// The bound port of a listener, once the broker logged it.
    func port(of listener: String) -> UInt16? { Self.port(in: process.stderr, listener: listener) }

    /// Waits (up to 10 s) until every listener in `names` has logged its port.
    func ports(of names: [String]) throws -> [String: UInt16] {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let found = names.compactMap { name in port(of: name).map { (name, $0) } }
            if found.count == names.count { return Dictionary(uniqueKeysWithValues: found) }
            usleep(20_000)
        }
        throw HarnessFailure(description: "not every listener of \(names) started: \(process.stderr)")
    }

    struct HarnessFailure: Error, CustomStringConvertible {
        let description: String
    }
}
