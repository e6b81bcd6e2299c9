import ArgumentParser
import Foundation
import Stores

extension EmqxCtl.PSK {
    /// `emqxctl psk add ID`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an identity, with its secret from stdin or generated.",
            discussion: """
                The secret is read from stdin (one trailing newline is dropped), so it never \
                shows in `ps` or shell history. With --generate, --bytes random bytes are \
                made and printed once as hex (twice as many characters), with the client \
                command lines. With hex encoding those bytes are the key. With raw encoding \
                (EMQX's default) the hex text itself is the key, as in EMQX's sample file: \
                --bytes 16 gives a 32-byte key, which clients take as 64 hex digits.

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

        @Option(help: "Random bytes for --generate (1 to 256), shown as hex; see above for the key they make.")
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
                key = try secretBytes(Console.readSecret(), encoding: secretEncoding)
            }
            let result = try store.open(create: true).add(identity: identityBytes(identity), secret: key, source: "cli", replacing: force)
            Console.note("\(result == .added ? "added" : "replaced the secret of") \(identity) in \(store.db)")
            if let shown {
                let keyHex = PSKClientCommands.hex(key)
                Console.output("secret (\(secretEncoding.rawValue), shown once): \(shown)\n")
                switch secretEncoding {
                case .raw:
                    Console.note(
                        "\(bytes) random bytes, written as \(shown.count) hex characters; with raw encoding those characters are the key (\(key.count) bytes), so clients take its hex, \(keyHex.count) digits"
                    )
                    Console.output("key in hex (\(key.count) bytes, as clients take it): \(keyHex)\n")
                case .hex:
                    Console.note(
                        "\(bytes) random bytes, shown as \(shown.count) hex digits; with hex encoding they are the key, and clients take the same hex"
                    )
                }
                for line in PSKClientCommands.lines(identity: identity, keyHex: keyHex, host: target.host, port: target.port) {
                    Console.output(line + "\n")
                }
            }
        }
    }
}
