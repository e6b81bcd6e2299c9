import ArgumentParser
import Authentication
import CertTools
import ConfigModel
import Foundation
import Stores

extension EmqxCtl {
    /// `emqxctl user …`: the built-in database of password_based authentication.
    struct User: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "user",
            abstract: "Manage the users of built_in_database authentication in the SQLite user store.",
            discussion: """
                The store (default data/users.db, created 0600) keeps each user as EMQX does: \
                the password's hash and salt, and whether it is a superuser. Users belong to a \
                chain: the global one (`authentication`), or a listener's own \
                (--listener ssl:default), as in EMQX. A running `serve` sees changes within a \
                second.

                New passwords are hashed with the password_hash_algorithm of the chain's \
                built_in_database authenticator in --config (EMQX's default, sha256 with a \
                prefix salt, without it). A password comes from stdin or is generated, never \
                from the command line; nothing prints a password or a hash except a generated \
                password, once.
                """,
            subcommands: [Add.self, Delete.self, List.self, Import.self]
        )
    }
}

/// Where the users are, and how new passwords are hashed.
struct UserStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The user store.", valueName: "path"))
    var db = "data/users.db"

    @Option(help: ArgumentHelp("The emqx.conf whose built_in_database authenticator sets the hash.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("The listener whose own chain holds the users (ssl:default); the global chain without it.", valueName: "id"))
    var listener: String?

    /// EMQX's name for the chain: `mqtt:global` or the listener id.
    var group: String { listener ?? UserStore.globalGroup }

    func open(create: Bool) throws -> UserStore { try UserStore.open(path: db, create: create) }

    /// The chain's built_in_database settings from --config; EMQX's defaults without it.
    func database() throws -> BuiltInDatabaseConfig {
        guard let config else { return BuiltInDatabaseConfig() }
        let model = try ConfigLoader(environment: ProcessInfo.processInfo.environment).load(path: config).modelOrExit()
        let chain: [AuthenticatorConfig]
        if let listener {
            guard let found = model.listener(listener) else { throw ValidationError("\(config) has no listener \(listener)") }
            chain = found.authentication
        } else {
            chain = model.authentication
        }
        for authenticator in chain {
            if case .builtInDatabase(let database) = authenticator.backend { return database }
        }
        throw ValidationError(
            "\(config) has no built_in_database authenticator in \(listener.map { "\($0)'s chain" } ?? "the global authentication chain")")
    }
}
