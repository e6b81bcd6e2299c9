import EmqxTestSupport
import Foundation
import Testing

/// `serve --threads 3`: connections on three event loops, the broker core on the first.
/// Consecutive connections land on different loops, so each check (Clients/every_core.py,
/// paho-mqtt) has its clients meet across loops: order per QoS 1 publisher, session takeover onto
/// another loop, shared-subscription round robin, wills and retained messages. Then the
/// paho interop suite runs against the same broker.
@Suite struct EveryCoreServeTests {
    static let loops = 3

    /// Also with the alternative the every-core benchmark measures: routing alone on its loop,
    /// connections on the others.
    @Test(arguments: [[], ["--routing-loop-alone"]]) func mqttGuaranteesHoldAcrossLoops(options: [String]) throws {
        let broker = try ServeHarness(threads: Self.loops, options: options)
        let placement = options.isEmpty ? ")" : "; connections on the others)"
        #expect(broker.process.stderr.contains("Serving on \(Self.loops) event loops (the broker core on the first\(placement)."))
        let script = ServeTests.clients.appendingPathComponent("every_core.py").path
        let outcome = try Subprocess("python3", [script, "\(broker.port)", "\(Self.loops)"]).run(timeout: 180)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.components(separatedBy: "PASS ").count - 1 == 5, "\(outcome.stdout)")
    }

    @Test func pahoFeatureChecksAcrossLoops() throws {
        let broker = try ServeHarness(threads: Self.loops)
        let script = ServeTests.clients.appendingPathComponent("paho_features.py").path
        let outcome = try Subprocess("python3", [script, "\(broker.port)"]).run(timeout: 180)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(!outcome.stdout.contains("FAIL"), "\(outcome.stdout)")
    }

    @Test func threadsMustBeAPositiveCount() throws {
        let folder = try TemporaryDirectory()
        for arguments in [["--threads", "0"], ["--threads", "9999"]] {
            let outcome = try Emqxctl.run(["serve"] + arguments, in: folder.path)
            #expect(outcome.status == 64, "\(outcome)")
            #expect(outcome.stderr.contains("--threads"), "\(outcome)")
        }
        let outcome = try Emqxctl.run(["serve"], in: folder.path, environment: ["EMQXCTL_THREADS": "many"])
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stderr.contains("EMQXCTL_THREADS=many"), "\(outcome)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/data"), "refused before anything is made")
    }
}
