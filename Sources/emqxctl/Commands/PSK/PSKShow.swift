import ArgumentParser
import CertTools
import Foundation
import Stores

extension EmqxCtl.PSK {
    /// `emqxctl psk show ID`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an identity, and the client command lines that reach the broker with it.",
            discussion: """
                Clients take the key in hex (mosquitto_pub --psk, openssl s_client -psk). For \
                a secret imported raw (EMQX's default) that is the hex of its text, which is \
                what people get wrong; the printed commands carry the right one. The key \
                appears only with --reveal; without it the commands hold <KEY-HEX>.

                EXAMPLES
                  emqxctl psk show sensor-1 --client-commands
                  emqxctl psk show sensor-1 --client-commands --reveal --host broker.example.com

                EXIT CODES
                  0 shown; 1 no such identity, or the store failed; 64 bad usage
                """
        )

        @Argument(help: "The identity.")
        var identity: String

        @OptionGroup var store: PSKStoreOptions

        @Flag(help: "Print mosquitto_pub, mosquitto_sub and openssl s_client lines.")
        var clientCommands = false

        @Flag(help: "Print the secret and the key hex.")
        var reveal = false

        @OptionGroup var target: PSKClientTarget

        func run() throws {
            let opened = try store.open(create: false)
            let bytes = identityBytes(identity)
            guard let entry = try opened.entry(bytes), let secret = try opened.secret(for: bytes) else {
                Console.note("Error: \(store.db): no identity \"\(identity)\"")
                throw ExitCode.failure
            }
            var text = """
                identity:  \(entry.displayIdentity)
                secret:    \(entry.secretLength) bytes
                created:   \(UTCDate.time(entry.createdAt))
                updated:   \(UTCDate.time(entry.updatedAt))
                source:    \(entry.source)

                """
            let keyHex = PSKClientCommands.hex(secret)
            if reveal {
                if let printable = String(validating: secret, as: UTF8.self), printable.allSatisfy({ !$0.isNewline }) {
                    text += "text:      \(printable)\n"
                }
                text += "key (hex): \(keyHex)\n"
            }
            if clientCommands {
                text +=
                    "\n"
                    + PSKClientCommands.lines(identity: identity, keyHex: reveal ? keyHex : nil, host: target.host, port: target.port)
                    .joined(
                        separator: "\n") + "\n"
                if !reveal { text += "(add --reveal to fill in <KEY-HEX>)\n" }
            }
            Console.output(text)
        }
    }
}
