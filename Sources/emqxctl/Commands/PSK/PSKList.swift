import ArgumentParser
import CertTools
import Foundation
import Stores

extension EmqxCtl.PSK {
    /// `emqxctl psk list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List identities with their times, secret length and source; never secrets.",
            discussion: """
                EXAMPLES
                  emqxctl psk list
                  emqxctl psk list --format json | jq length

                EXIT CODES
                  0 listed; 1 the store cannot be read; 64 bad usage
                """
        )

        enum Format: String, ExpressibleByArgument {
            case text, json
        }

        @OptionGroup var store: PSKStoreOptions

        @Option(help: "text or json.")
        var format: Format = .text

        struct Row: Encodable {
            let identity: String
            let secretLength: Int
            let createdAt: Date
            let updatedAt: Date
            let source: String
        }

        func run() throws {
            let rows = try store.open(create: false).list().map {
                Row(
                    identity: $0.displayIdentity, secretLength: $0.secretLength, createdAt: $0.createdAt, updatedAt: $0.updatedAt,
                    source: $0.source)
            }
            switch format {
            case .json:
                Console.output(try JSONOutput.encode(rows))
            case .text:
                let width = max(8, rows.map(\.identity.count).max() ?? 0)
                var text = "IDENTITY".padding(toLength: width, withPad: " ", startingAt: 0) + "  BYTES  UPDATED                  SOURCE\n"
                for row in rows {
                    text +=
                        row.identity.padding(toLength: width, withPad: " ", startingAt: 0)
                        + "  " + String(row.secretLength).padding(toLength: 5, withPad: " ", startingAt: 0)
                        + "  " + UTCDate.time(row.updatedAt) + "  " + row.source + "\n"
                }
                Console.output(text)
                Console.note("\(rows.count) identit\(rows.count == 1 ? "y" : "ies") in \(store.db)")
            }
        }
    }
}
