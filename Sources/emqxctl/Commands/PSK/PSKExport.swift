import ArgumentParser
import Foundation
import Stores

extension EmqxCtl.PSK {
    /// `emqxctl psk export FILE`.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every identity and secret to a file (0600), in init.psk format.",
            discussion: """
                With --secret-encoding raw (default) secrets are written as their bytes, \
                which `psk import` and EMQX read back as they were; with hex they are written \
                as hex, for mosquitto's psk_file. The file is written atomically, 0600, and \
                never over an existing one without --force.

                EXAMPLES
                  emqxctl psk export backup.psk
                  emqxctl psk export mosquitto.psk --secret-encoding hex

                EXIT CODES
                  0 written; 1 failed (the file exists without --force, an entry cannot be one line, the store failed); 64 bad usage
                """
        )

        @Argument(help: "The file to write.")
        var file: String

        @OptionGroup var store: PSKStoreOptions

        @Option(help: "raw or hex.")
        var secretEncoding: PSKSecretEncoding = .raw

        @Option(help: "The separator between identity and secret.")
        var separator = ":"

        @Flag(help: "Overwrite the file if it exists.")
        var force = false

        func run() throws {
            let opened = try store.open(create: false)
            let directory = (file as NSString).deletingLastPathComponent
            let writer = SecureFileWriter(directory: directory.isEmpty ? "." : directory, force: force)
            var count = 0
            let separatorBytes = Array(separator.utf8)
            try writer.writeStreaming(name: (file as NSString).lastPathComponent, secret: true) { write in
                var buffer: [UInt8] = []
                try opened.forEachSecret { identity, secret in
                    let text = secretEncoding == .hex ? Array(PSKClientCommands.hex(secret).utf8) : secret
                    guard !text.contains(0x0A), !text.contains(0x0D), !identity.contains(0x0A),
                        !identity.containsRun(separatorBytes)
                    else {
                        throw ValidationError(
                            "the entry for \"\(PSKClientCommands.shellQuote(String(decoding: identity, as: UTF8.self)))\" cannot be written as one line in \(secretEncoding.rawValue) form; use --secret-encoding hex"
                        )
                    }
                    buffer += identity + separatorBytes + text + [0x0A]
                    count += 1
                    if buffer.count >= 1 << 16 {
                        try write(buffer[...])
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
                try write(buffer[...])
            }
            Console.note("exported \(count) identit\(count == 1 ? "y" : "ies") to \(file) (\(secretEncoding.rawValue), mode 0600)")
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether `run` occurs in these bytes.
    func containsRun(_ run: [UInt8]) -> Bool {
        guard !run.isEmpty, count >= run.count else { return false }
        for start in 0...(count - run.count) where self[start] == run[0] && self[start..<start + run.count].elementsEqual(run) {
            return true
        }
        return false
    }
}
