import ArgumentParser
import Stores

extension EmqxCtl {
    /// `emqxctl acl …`: authorization rules and their check.
    struct ACL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "acl",
            abstract: "Manage the built_in_database authorization rules, and ask what a config's rules decide.",
            discussion: """
                Rules of authorization.sources' built_in_database source live in the user store \
                (default data/users.db), per client id, per user name, or for all; a client's \
                client-id rules are asked first, then its user-name rules, then those for all, \
                and the first that matches decides (EMQX's order). A running `serve` sees \
                changes within a second. `acl check` asks a config's whole authorization, \
                acl.conf included, and says which rule decided.
                """,
            subcommands: [Add.self, Delete.self, List.self, Check.self]
        )
    }
}

/// Whom rules are for: exactly one of --clientid, --username, --all.
struct ACLSubjectOptions: ParsableArguments {
    @Option(help: "Rules for this client id.")
    var clientid: String?

    @Option(help: "Rules for this user name.")
    var username: String?

    @Flag(help: "Rules for every client (asked after client-id and user-name rules).")
    var all = false

    func validate() throws {
        guard [clientid != nil, username != nil, all].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --clientid, --username, --all")
        }
    }

    var subject: StoredACLRule.Subject {
        if let clientid { return .clientID(clientid) }
        if let username { return .username(username) }
        return .all
    }
}

struct ACLStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The user store.", valueName: "path"))
    var db = "data/users.db"

    func open(create: Bool) throws -> UserStore { try UserStore.open(path: db, create: create) }
}
