public import Foundation

/// Runs the built `emqxctl` binary, as users do.
public enum Emqxctl {
    /// The binary under test: `$EMQXCTL_BINARY`, else `emqxctl` beside the test bundle, else
    /// `.build/debug/emqxctl` in the package.
    public static var binary: String {
        if let override = ProcessInfo.processInfo.environment["EMQXCTL_BINARY"] { return override }
        let besideBundle = Bundle.main.bundleURL.appendingPathComponent("emqxctl").path
        if FileManager.default.isExecutableFile(atPath: besideBundle) { return besideBundle }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/emqxctl").path
    }

    /// Runs `emqxctl arguments…` in `directory`, with `input` on stdin, and waits for it.
    public static func run(
        _ arguments: [String],
        in directory: String? = nil,
        environment: [String: String]? = nil,
        input: String? = nil,
        timeout: TimeInterval = 60
    ) throws -> Subprocess.Outcome {
        var command = Subprocess(binary, arguments, workingDirectory: directory)
        command.standardInput = input.map { Array($0.utf8) }
        if let environment {
            command.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        return try command.run(timeout: timeout)
    }
}

/// The `openssl` command-line tool, the reference peer for every certificate test.
public enum OpenSSLCLI {
    public static func run(_ arguments: [String], in directory: String? = nil, input: String? = nil, timeout: TimeInterval = 30) throws
        -> Subprocess.Outcome
    {
        var command = Subprocess("openssl", arguments, workingDirectory: directory)
        command.standardInput = input.map { Array($0.utf8) }
        return try command.run(timeout: timeout)
    }
}
