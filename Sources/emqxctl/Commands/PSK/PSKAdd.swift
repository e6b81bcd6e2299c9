import ArgumentParser
import Foundation
import PSKStore

extension EmqxCtl.PSK {
    /// `emqxctl psk add ID`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an identity, with its secret from stdin or generated.",
            discussion: """
                The secret is read from stdin (one trailing newline is dropped), so it never \
                shows in `ps` or shell history. With --generate, a random secret of --bytes \
                bytes is made and printed once, with the client command lines; with raw \
                encoding it is stored as its hex text, like EMQX's sample file.

                EXAMPLES
                  printf '%s' "$SECRET" | emqxctl psk add sensor-7
                  emqxctl psk add sensor-8 --generate --bytes 32
                  emqxctl psk add sensor-9 --generate --secret-encoding hex

                EXIT CODES
                  0 added; 1 failed (exists without --force, invalid); 64 bad usage
                """
        )

        @Argument(help: "The identity.")
        var identity: String

        @OptionGroup var store: PSKStoreOptions

        @Flag(help: "Generate a random secret instead of reading stdin.")
        var generate = false

        @Option(help: "Random bytes for --generate (1 to 256).")
        var bytes = 32

        @Option(help: "raw or hex: how stdin's text (or the generated secret) becomes key bytes.")
        var secretEncoding: PSKSecretEncoding = .raw

        @Flag(help: "Replace the secret of an identity that exists.")
        var force = false

        @OptionGroup var target: PSKClientTarget

        func validate() throws {
            guard (1...256).contains(bytes) else { throw ValidationError("--bytes must be between 1 and 256") }
        }

        func run() throws {
            let key: [UInt8]
            var shown: String?
            if generate {
                var generator = SystemRandomNumberGenerator()
                let random = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let text = PSKClientCommands.hex(random)
                key = secretEncoding == .raw ? Array(text.utf8) : random
                shown = text
            } else {
                var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
                key = try secretBytes(text, encoding: secretEncoding)
            }
            let result = try store.open(create: true).add(identity: identityBytes(identity), secret: key, source: "cli", replacing: force)
            Console.note("\(result == .added ? "added" : "replaced the secret of") \(identity) in \(store.db)")
            if let shown {
                Console.output("secret (\(secretEncoding.rawValue), shown once): \(shown)\n")
                for line in PSKClientCommands.lines(
                    identity: identity, keyHex: PSKClientCommands.hex(key), host: target.host, port: target.port)
                {
                    Console.output(line + "\n")
                }
            }
        }
    }
}
