import EmqxTestSupport
import Foundation
import Testing

@testable import Stores

/// `emqxctl user …` as users run it: passwords from stdin or generated, never printed back,
/// a 0600 store, imports all or nothing, and hashes that follow the config.
@Suite struct UserCommandTests {
    let folder: TemporaryDirectory

    init() throws { folder = try TemporaryDirectory() }

    func run(_ arguments: [String], stdin: String? = nil) throws -> Subprocess.Outcome {
        var command = Subprocess(Emqxctl.binary, ["user"] + arguments, workingDirectory: folder.path)
        command.standardInput = stdin.map { Array($0.utf8) }
        return try command.run()
    }

    @Test func addListDeleteWithoutEverShowingAPassword() throws {
        #expect(try run(["add", "alice"], stdin: "alice-pw\n").status == 0)
        #expect(try folder.mode("data/users.db") == 0o600)
        let again = try run(["add", "alice"], stdin: "other\n")
        #expect(again.status == 1 && again.stderr.contains("--force"), "\(again)")
        #expect(try run(["add", "nobody"], stdin: "").status == 64, "an empty stdin is refused")
        let generated = try run(["add", "bob", "--generate", "--superuser"])
        let password = try #require(generated.stdout.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(password.count == 24)
        let list = try run(["list", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["userID"] as? String } == ["alice", "bob"])
        #expect(rows.map { $0["isSuperuser"] as? Bool } == [false, true])
        let store = try UserStore.open(path: folder.file("data/users.db"), create: false)
        let alice = try #require(try store.user("alice", group: "mqtt:global"))
        for output in [list.stdout, list.stderr, try run(["list"]).stdout] {
            #expect(!output.contains("alice-pw") && !output.contains(password) && !output.contains(alice.passwordHash))
        }
        // EMQX's default: sha256 of the 32-hex salt and the password.
        #expect(alice.salt.count == 32 && alice.passwordHash.count == 64)
        #expect(try run(["delete", "alice"]).status == 0)
        #expect(try run(["delete", "alice"]).status == 1)
    }

    /// The chain's algorithm comes from --config; users belong to the chain named.
    @Test func hashFollowsTheConfigAndListenerChainsHaveTheirOwnUsers() throws {
        _ = try folder.write(
            "emqx.conf",
            """
            listeners.ssl.default = marked_for_deletion
            listeners.tcp.default.authentication {
              mechanism = password_based, backend = built_in_database
              password_hash_algorithm { name = bcrypt, salt_rounds = 5 }
            }
            """)
        #expect(try run(["add", "dev", "--config", "emqx.conf", "--listener", "tcp:default"], stdin: "pw\n").status == 0)
        let store = try UserStore.open(path: folder.file("data/users.db"), create: false)
        let dev = try #require(try store.user("dev", group: "tcp:default"))
        #expect(dev.passwordHash.hasPrefix("$2a$05$") && dev.salt == dev.passwordHash)
        #expect(try store.user("dev", group: "mqtt:global") == nil)
        let missing = try run(["add", "x", "--config", "emqx.conf"], stdin: "pw\n")
        #expect(missing.status == 64 && missing.stderr.contains("no built_in_database authenticator"), "\(missing)")
    }

    @Test func importIsAllOrNothing() throws {
        _ = try folder.write("good.csv", "user_id,password,is_superuser\na,pw-a,false\nb,pw-b,true\n")
        _ = try folder.write("bad.csv", "user_id,password,is_superuser\nc,pw-c,false\nd,pw-d\n")
        _ = try folder.write("hashed.json", #"[{"user_id":"e","password_hash":"c5e46903","salt":"e378","is_superuser":false}]"#)
        let good = try run(["import", "good.csv"])
        #expect(good.status == 0 && good.stderr.contains("2 added"), "\(good)")
        #expect(try run(["import", "good.csv"]).stderr.contains("0 added, 0 updated, 2 unchanged"))
        let bad = try run(["import", "bad.csv"])
        #expect(bad.status == 1 && bad.stderr.contains("bad.csv:3: 2 fields where the header has 3"), "\(bad)")
        #expect(try run(["import", "hashed.json", "--type", "hash"]).status == 0)
        let ids = try UserStore.open(path: folder.file("data/users.db"), create: false).list(group: "mqtt:global").map(\.userID)
        #expect(ids == ["a", "b", "e"], "nothing of bad.csv was written")
    }

    /// config check (and serve, which runs it) refuses a user store others can read.
    @Test func aUserStoreOthersCanReadIsAnError() throws {
        #expect(try run(["add", "alice"], stdin: "alice-pw\n").status == 0)
        _ = try folder.write(
            "emqx.conf",
            "listeners.ssl.default = marked_for_deletion\nauthentication { mechanism = password_based, backend = built_in_database }\n")
        #expect(try Emqxctl.run(["config", "check", "emqx.conf"], in: folder.path).status == 0)
        #expect(chmod(folder.file("data/users.db"), 0o644) == 0)
        let check = try Emqxctl.run(["config", "check", "emqx.conf"], in: folder.path)
        #expect(check.status == 2 && check.stdout.contains("error[store-file-mode]"), "\(check)")
    }
}
