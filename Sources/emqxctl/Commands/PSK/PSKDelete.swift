import ArgumentParser
import Stores

extension EmqxCtl.PSK {
    /// `emqxctl psk delete ID`.
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an identity.",
            discussion: """
                EXAMPLES
                  emqxctl psk delete sensor-7

                EXIT CODES
                  0 deleted; 1 no such identity, or the store failed; 64 bad usage
                """
        )

        @Argument(help: "The identity.")
        var identity: String

        @OptionGroup var store: PSKStoreOptions

        func run() throws {
            guard try store.open(create: false).delete(identity: identityBytes(identity)) else {
                Console.note("Error: \(store.db): no identity \"\(identity)\"")
                throw ExitCode.failure
            }
            Console.note("deleted \(identity) from \(store.db)")
        }
    }
}
