import ArgumentParser
import CertTools
import Foundation
import Stores

extension EmqxCtl.User {
    /// `emqxctl user list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a chain's users with their superuser flag and times; never a hash.",
            discussion: """
                EXAMPLES
                  emqxctl user list
                  emqxctl user list --listener ssl:default --format json

                EXIT CODES
                  0 listed; 1 the store cannot be read; 64 bad usage
                """
        )

        enum Format: String, ExpressibleByArgument {
            case text, json
        }

        @OptionGroup var store: UserStoreOptions

        @Option(help: "text or json.")
        var format: Format = .text

        struct Row: Encodable {
            let userID: String
            let isSuperuser: Bool
            let createdAt: Date
            let updatedAt: Date
        }

        func run() throws {
            let rows = try store.open(create: false).list(group: store.group).map {
                Row(userID: $0.userID, isSuperuser: $0.isSuperuser, createdAt: $0.createdAt, updatedAt: $0.updatedAt)
            }
            switch format {
            case .json:
                Console.output(try JSONOutput.encode(rows))
            case .text:
                let width = max(7, rows.map(\.userID.count).max() ?? 0)
                var text = "USER ID".padding(toLength: width, withPad: " ", startingAt: 0) + "  SUPERUSER  UPDATED\n"
                for row in rows {
                    text +=
                        row.userID.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                        + (row.isSuperuser ? "yes" : "no").padding(toLength: 9, withPad: " ", startingAt: 0) + "  "
                        + UTCDate.time(row.updatedAt) + "\n"
                }
                Console.output(text)
                Console.note("\(rows.count) user\(rows.count == 1 ? "" : "s") in \(store.group) (\(store.db))")
            }
        }
    }
}
