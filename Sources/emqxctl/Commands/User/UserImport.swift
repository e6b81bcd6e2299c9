import ArgumentParser
import Authentication
import CertTools
import ConfigModel
import Foundation
import Stores

extension EmqxCtl.User {
    /// `emqxctl user import FILE`.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import users from an EMQX user file (.csv or .json), all or nothing.",
            discussion: """
                The formats of EMQX's bootstrap_file and import API: a plain file has \
                user_id,password,is_superuser (passwords are hashed with the chain's \
                algorithm); a hash file has user_id,password_hash,salt,is_superuser, stored as \
                written (how EMQX exports them). CSV has a header row and may quote fields; \
                JSON is an array of objects. One bad line refuses the whole file, with its line \
                number, and nothing is written.

                A user already in the store with another record is kept unless --override.

                EXAMPLES
                  emqxctl user import etc/auth-built-in-db-bootstrap.csv
                  emqxctl user import exported-users.json --type hash --override

                EXIT CODES
                  0 imported; 1 the file or store has a problem (nothing written); 2 the config has errors; 64 bad usage
                """
        )

        @Argument(help: "The file; .csv or .json.")
        var file: String

        @OptionGroup var store: UserStoreOptions

        @Option(help: "plain (passwords) or hash (password_hash and salt).")
        var type: UserImportFile.Kind = .plain

        @Flag(help: "Replace users that exist with another record.")
        var override = false

        func run() throws {
            let rows = try UserImportFile.read(file, kind: type)
            let hash = PasswordHash(try store.database().passwordHash)
            let database = try store.open(create: true)
            let users = rows.map { StoredUser($0, hash: hash, existing: try? database.user($0.userID, group: store.group)) }
            let report = try database.importUsers(users, group: store.group, override: override)
            Console.note(
                "\(file) -> \(store.group) (\(store.db)): \(report.added) added, \(report.updated) updated, \(report.unchanged) unchanged, \(report.skipped) kept (exist with another password; --override replaces them)"
            )
        }
    }
}
