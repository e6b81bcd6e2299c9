import ArgumentParser
import Authentication
import CertTools
import ConfigModel
import Foundation
import Stores

extension EmqxCtl.User {
    /// `emqxctl user add ID`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user, with its password from stdin or generated.",
            discussion: """
                The password is read from stdin (one trailing newline is dropped), so it never \
                shows in `ps` or shell history. With --generate, a random password is made and \
                printed once.

                EXAMPLES
                  printf '%s' "$PASSWORD" | emqxctl user add sensor-7
                  emqxctl user add admin --generate --superuser --config etc/emqx.conf

                EXIT CODES
                  0 added; 1 failed (exists without --force, invalid); 2 the config has errors; 64 bad usage
                """
        )

        @Argument(help: "The user id: a user name, or a client id with user_id_type = clientid.")
        var userID: String

        @OptionGroup var store: UserStoreOptions

        @Flag(help: "Generate a random password (24 characters) instead of reading stdin.")
        var generate = false

        @Flag(help: "Every authorization check allows a superuser.")
        var superuser = false

        @Flag(help: "Replace the password of a user that exists.")
        var force = false

        func run() throws {
            let password: String
            if generate {
                password = Self.randomPassword()
            } else {
                let text = Console.readSecret()
                guard !text.isEmpty else { throw ValidationError("no password on stdin; pipe one in, or pass --generate") }
                password = text
            }
            let hash = PasswordHash(try store.database().passwordHash)
            let record = hash.record(for: Array(password.utf8))
            let user = StoredUser(userID: userID, passwordHash: record.hash, salt: record.salt, isSuperuser: superuser)
            let result = try store.open(create: true).add(user, group: store.group, replacing: force)
            Console.note("\(result == .added ? "added" : "replaced the password of") \(userID) in \(store.group) (\(store.db))")
            if generate { Console.output("password (shown once): \(password)\n") }
        }

        /// 24 characters from 62 letters and digits: about 143 bits.
        static func randomPassword() -> String {
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            var generator = SystemRandomNumberGenerator()
            return String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
        }
    }

    /// `emqxctl user delete ID`.
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a user.",
            discussion: """
                EXIT CODES
                  0 deleted; 1 no such user, or the store cannot be written; 64 bad usage
                """
        )

        @Argument(help: "The user id.")
        var userID: String

        @OptionGroup var store: UserStoreOptions

        func run() throws {
            guard try store.open(create: false).delete(userID, group: store.group) else {
                Console.note("Error: no user \(userID) in \(store.group) (\(store.db))")
                throw ExitCode.failure
            }
            Console.note("deleted \(userID) from \(store.group)")
        }
    }
}
