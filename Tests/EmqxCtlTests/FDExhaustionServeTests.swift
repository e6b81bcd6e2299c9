import EmqxTestSupport
import Foundation
import Testing

/// `serve` with a low file descriptor limit (`ulimit -n 48` in a subprocess) and more clients
/// than that (Clients/fd_exhaustion.py): it backs off accepting instead of spinning, says which
/// limit was hit, and serves again once descriptors are free.
@Suite struct FDExhaustionServeTests {
    @Test func outOfDescriptorsTheBrokerBacksOffAndRecovers() throws {
        let folder = try TemporaryDirectory()
        try folder.write(
            "emqx.conf",
            """
            mqtt.idle_timeout = 60s
            \(ServeHarness.defaultConfig)
            """)
        let serve = try Subprocess(
            "bash", ["-c", "ulimit -n 48 && exec \"$0\" serve --config emqx.conf --log-level info", Emqxctl.binary],
            workingDirectory: folder.path
        ).start()
        defer { _ = serve.stop() }
        let deadline = Date().addingTimeInterval(20)
        var port: UInt16?
        while port == nil && serve.isRunning && Date() < deadline {
            port = ServeHarness.port(in: serve.stderr)
            if port == nil { usleep(20_000) }
        }
        let bound = try #require(port, "\(serve.stderr)")
        let script = ServeTests.clients.appendingPathComponent("fd_exhaustion.py").path
        let outcome = try Subprocess("python3", [script, "\(bound)", "\(serve.processIdentifier)"]).run(timeout: 60)
        #expect(outcome.stdout == "fd-exhaustion: ok\n", "\(outcome)\n\(serve.stderr)")
        #expect(
            serve.stderr.contains("cannot accept connections: the process has all its 48 file descriptors open (EMFILE)"), "\(serve.stderr)"
        )
        let lines = serve.stderr.split(separator: "\n").filter { $0.contains("cannot accept connections") }
        #expect(lines.count <= 6, "rate-limited to one a second: \(lines.count) lines")
    }
}
