import ArgumentParser
import Foundation
import Stores

extension EmqxCtl {
    /// `emqxctl psk …`: the PSK store.
    struct PSK: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "psk",
            abstract: "Manage TLS pre-shared keys in the SQLite PSK store.",
            discussion: """
                The store (default data/psk.db, created 0600) holds identities and secret \
                bytes. Secrets are never printed except where asked for (show --reveal, \
                add --generate, export).

                Secret encoding: EMQX uses the text after the separator as the key bytes \
                (raw); mosquitto and `openssl s_client -psk` take hex. The same line means \
                different keys in each, so every command that reads or prints a secret takes \
                --secret-encoding raw|hex (default raw, as EMQX), and `show --client-commands` \
                prints the hex that clients need.
                """,
            subcommands: [Import.self, Add.self, Delete.self, List.self, Show.self, Export.self]
        )
    }
}

/// Where the store is.
struct PSKStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The PSK store.", valueName: "path"))
    var db = "data/psk.db"

    func open(create: Bool) throws -> PSKStore { try PSKStore.open(path: db, create: create) }
}

/// Turns what a user typed into identity bytes.
func identityBytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The key bytes of a secret typed or read as text.
func secretBytes(_ text: String, encoding: PSKSecretEncoding) throws -> [UInt8] {
    let bytes = Array(text.utf8)
    switch encoding {
    case .raw: return bytes
    case .hex:
        guard bytes.count % 2 == 0 else { throw ValidationError("the hex secret has an odd number of digits") }
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let value = UInt8(String(decoding: bytes[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw ValidationError("the hex secret has a character that is not a hex digit at column \(index + 1)")
            }
            out.append(value)
            index += 2
        }
        return out
    }
}

/// Where the printed client commands point.
struct PSKClientTarget: ParsableArguments {
    @Option(help: "The broker host for the printed client commands.")
    var host = "localhost"

    @Option(help: "The broker's TLS port for the printed client commands.")
    var port = 8883
}

/// Client command lines for an identity, with the key in the hex they expect.
enum PSKClientCommands {
    static func lines(identity: String, keyHex: String?, host: String, port: Int) -> [String] {
        let key = keyHex ?? "<KEY-HEX>"
        let quotedIdentity = shellQuote(identity)
        return [
            "mosquitto_pub -h \(host) -p \(port) --psk \(key) --psk-identity \(quotedIdentity) -t test -m hello",
            "mosquitto_sub -h \(host) -p \(port) --psk \(key) --psk-identity \(quotedIdentity) -t test",
            "openssl s_client -connect \(host):\(port) -psk_identity \(quotedIdentity) -psk \(key) -tls1_2",
        ]
    }

    static func shellQuote(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "-_.@/".contains($0) }
            ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
