public import Foundation

/// Runs real peers (`openssl`, the built `emqxctl`, later `mosquitto_pub`) from tests, with
/// a deadline so that a hung peer fails its test instead of hanging the run.
public struct Subprocess: Sendable {
    /// What a finished command left behind.
    public struct Outcome: Sendable, CustomStringConvertible {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public let timedOut: Bool

        public var description: String {
            "exit \(status)\(timedOut ? " (timed out)" : "")\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
        }
    }

    public let executable: String
    public let arguments: [String]
    public var workingDirectory: String?
    public var environment: [String: String]?
    /// Bytes for stdin; nil means /dev/null.
    public var standardInput: [UInt8]?
    /// Keep stdin an open, empty pipe until the command is stopped: for servers such as
    /// `openssl s_server` that quit when stdin reaches end of file.
    public var keepsStandardInputOpen = false

    public init(_ executable: String, _ arguments: [String], workingDirectory: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.workingDirectory = workingDirectory
    }

    /// Runs to completion, or until `timeout` seconds have passed (then SIGKILL).
    public func run(timeout: TimeInterval = 30) throws -> Outcome {
        let process = try launch()
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning && Date() < deadline { usleep(5_000) }
        let timedOut = process.process.isRunning
        if timedOut { kill(process.process.processIdentifier, SIGKILL) }
        process.process.waitUntilExit()
        return process.finish(timedOut: timedOut)
    }

    /// Starts the command and returns at once; stop it with `Running.stop()`.
    public func start() throws -> Running { try launch() }

    private func launch() throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.resolve(executable))
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        if let environment { process.environment = environment }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("emqxctl-subprocess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stdoutURL = directory.appendingPathComponent("stdout")
        let stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        var openInput: Pipe?
        if keepsStandardInputOpen {
            let pipe = Pipe()
            process.standardInput = pipe
            openInput = pipe
        } else if let standardInput {
            let inputURL = directory.appendingPathComponent("stdin")
            _ = FileManager.default.createFile(atPath: inputURL.path, contents: Data(standardInput))
            process.standardInput = try FileHandle(forReadingFrom: inputURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        return Running(process: process, directory: directory, openInput: openInput)
    }

    /// A command found on PATH, or the path itself.
    static func resolve(_ executable: String) -> String {
        if executable.contains("/") { return executable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return executable
    }

    /// A command started in the background.
    public final class Running: @unchecked Sendable {
        let process: Process
        let directory: URL
        let openInput: Pipe?

        init(process: Process, directory: URL, openInput: Pipe?) {
            self.process = process
            self.directory = directory
            self.openInput = openInput
        }

        public var processIdentifier: Int32 { process.processIdentifier }
        public var isRunning: Bool { process.isRunning }

        /// Output so far.
        public var stdout: String { (try? String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8)) ?? "" }
        public var stderr: String { (try? String(contentsOf: directory.appendingPathComponent("stderr"), encoding: .utf8)) ?? "" }

        /// Waits up to `timeout` seconds for it to exit by itself, then stops it; returns what it
        /// printed (`timedOut` when it had to be stopped).
        @discardableResult
        public func wait(timeout: TimeInterval) -> Outcome {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(5_000) }
            guard process.isRunning else {
                process.waitUntilExit()
                return finish(timedOut: false)
            }
            let outcome = stop()
            return Outcome(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr, timedOut: true)
        }

        /// Sends SIGTERM, waits up to two seconds, then SIGKILL; returns what it printed.
        @discardableResult
        public func stop() -> Outcome {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                let deadline = Date().addingTimeInterval(2)
                while process.isRunning && Date() < deadline { usleep(5_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            process.waitUntilExit()
            return finish(timedOut: false)
        }

        func finish(timedOut: Bool) -> Outcome {
            try? openInput?.fileHandleForWriting.close()
            let outcome = Outcome(status: process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
            try? FileManager.default.removeItem(at: directory)
            return outcome
        }
    }
}
