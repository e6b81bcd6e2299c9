import EmqxTestSupport
import Foundation
import Testing

/// The README's own command lines, run in order as a reader would: every fenced `sh` block
/// not marked `<!-- readme-test: skip: REASON -->`, one line at a time, with `emqxctl` on
/// PATH, in a scratch folder that holds what the README assumes of the reader's (the
/// repository's `examples/`, `etc/emqx.conf`, a `data/init.psk`). `/etc/emqx/` is moved
/// into the scratch folder, with the same `emqx.conf`. A line ending in `&` runs in the
/// background until its block ends. `# …` lines after a command are its output (`…` stands
/// for any text); a command whose output begins `FAILED` or `error` must fail, every other
/// must succeed.
@Suite struct ReadmeCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Command {
        var line: Int
        var text: String
        var expected: [String] = []
        var mustFail: Bool { expected.first.map { $0.hasPrefix("FAILED") || $0.hasPrefix("error") } ?? false }
    }

    struct Block {
        var line: Int
        var skipReason: String?
        var commands: [Command] = []
    }

    static func blocks(_ markdown: String) -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        var skipReason: String?
        for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = String(line)
            if var block = current {
                if text.trimmingCharacters(in: .whitespaces) == "```" {
                    blocks.append(block)
                    current = nil
                } else if text.hasPrefix("# "), !block.commands.isEmpty {
                    block.commands[block.commands.count - 1].expected.append(String(text.dropFirst(2)).trimmingCharacters(in: .whitespaces))
                    current = block
                } else if !text.trimmingCharacters(in: .whitespaces).isEmpty {
                    block.commands.append(Command(line: index + 1, text: text))
                    current = block
                }
            } else if text == "```sh" {
                current = Block(line: index + 1, skipReason: skipReason)
                skipReason = nil
            } else if text.hasPrefix("<!-- readme-test: skip:") {
                skipReason = String(text.dropFirst("<!-- readme-test: skip:".count).dropLast(" -->".count))
                    .trimmingCharacters(in: .whitespaces)
            } else if !text.isEmpty {
                skipReason = nil
            }
        }
        return blocks
    }

    /// Whether `output` holds `expected`'s pieces between its `…`s, in order.
    static func matches(_ output: String, _ expected: String) -> Bool {
        var rest = Substring(output)
        for piece in expected.components(separatedBy: "…") where !piece.isEmpty {
            guard let found = rest.range(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return true
    }

    static func scratch() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        let files = FileManager.default
        try files.copyItem(atPath: root.appendingPathComponent("examples").path, toPath: folder.file("examples"))
        try files.createDirectory(atPath: folder.file("etc"), withIntermediateDirectories: true)
        try files.createDirectory(atPath: folder.file("data"), withIntermediateDirectories: true)
        try files.copyItem(atPath: folder.file("examples/psk.conf"), toPath: folder.file("etc/emqx.conf"))
        let identities = try String(contentsOfFile: folder.file("examples/init.psk"), encoding: .utf8)
        try folder.write("data/init.psk", identities)
        try folder.write("devices.psk", identities + "sensor-3:example-secret-for-sensor-3\n")
        for file in ["data/init.psk", "devices.psk"] { chmod(folder.file(file), 0o600) }
        try files.createDirectory(atPath: folder.file("sysroot/etc/emqx"), withIntermediateDirectories: true)
        try files.copyItem(atPath: folder.file("etc/emqx.conf"), toPath: folder.file("sysroot/etc/emqx/emqx.conf"))
        return folder
    }

    @Test func everyBlockRunsAsWritten() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = Self.blocks(readme)
        #expect(blocks.filter { $0.skipReason == nil }.count >= 8, "the README's runnable blocks were not found")
        let folder = try Self.scratch()
        let binaryFolder = URL(fileURLWithPath: Emqxctl.binary).deletingLastPathComponent().path
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "\(binaryFolder):\(environment["PATH"] ?? "/usr/bin:/bin")"
        environment["SECRET"] = "a-secret-from-the-environment"

        for block in blocks where block.skipReason == nil {
            var background: [Subprocess.Running] = []
            defer { for running in background { _ = running.stop() } }
            for command in block.commands {
                let script = command.text.replacingOccurrences(of: "/etc/emqx/", with: folder.file("sysroot/etc/emqx/"))
                if script.hasSuffix("&") {
                    var process = Subprocess("bash", ["-c", "exec " + script.dropLast()], workingDirectory: folder.path)
                    process.environment = environment
                    background.append(try process.start())
                    if let port = script.firstMatch(of: /--port (\d+)/).flatMap({ UInt16($0.1) }) {
                        try #require(Loopback.waitUntilListening(port: port), "README.md:\(command.line): nothing listens on \(port)")
                    }
                    continue
                }
                var process = Subprocess("bash", ["-c", script], workingDirectory: folder.path)
                process.environment = environment
                let outcome = try process.run(timeout: 60)
                let context = "README.md:\(command.line): \(command.text)\n\(outcome)"
                #expect(command.mustFail ? outcome.status != 0 : outcome.status == 0, "\(context)")
                for expected in command.expected {
                    #expect(Self.matches(outcome.stdout + outcome.stderr, expected), "expected \"\(expected)\" from \(context)")
                }
            }
        }
    }

    @Test func everySkippedBlockSaysWhy() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let skipped = Self.blocks(readme).filter { $0.skipReason != nil }
        #expect(skipped.allSatisfy { !($0.skipReason ?? "").isEmpty })
        #expect(skipped.count <= 4, "most of the README's command lines must run: \(skipped.map(\.line))")
    }
}
