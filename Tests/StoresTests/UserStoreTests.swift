import EmqxTestSupport
import Foundation
import Testing

@testable import Stores

@Suite struct UserStoreTests {
    static func user(_ id: String, _ hash: String = "h", superuser: Bool = false) -> StoredUser {
        StoredUser(userID: id, passwordHash: hash, salt: "s", isSuperuser: superuser)
    }

    @Test func storeFileIsOwnerOnlyAndGroupsAreSeparate() throws {
        let folder = try TemporaryDirectory()
        let store = try UserStore.open(path: folder.file("data/users.db"))
        #expect(try store.add(Self.user("alice"), group: UserStore.globalGroup, replacing: false) == .added)
        #expect(try store.add(Self.user("alice", "other"), group: "ssl:default", replacing: false) == .added)
        #expect(try folder.mode("data/users.db") == 0o600)
        #expect(try store.user("alice", group: UserStore.globalGroup)?.passwordHash == "h")
        #expect(try store.user("alice", group: "ssl:default")?.passwordHash == "other")
        #expect(try store.groups().map(\.group) == ["mqtt:global", "ssl:default"])
        #expect(try store.snapshot(group: "ssl:default").count == 1)
    }

    @Test func addRefusesToReplaceWithoutForce() throws {
        let store = try UserStore.inMemory()
        _ = try store.add(Self.user("bob"), group: "g", replacing: false)
        let error = #expect(throws: StoreError.self) { try store.add(Self.user("bob", "new"), group: "g", replacing: false) }
        #expect(error?.code == .invalidEntry)
        #expect(!(error?.description.contains("new") ?? true), "the hash reached the message")
        #expect(try store.add(Self.user("bob", "new"), group: "g", replacing: true) == .replaced)
        #expect(try store.user("bob", group: "g")?.passwordHash == "new")
        #expect(try store.delete("bob", group: "g"))
        #expect(try !store.delete("bob", group: "g"))
    }

    @Test func importIsAllOrNothingAndKeepsOthersWithoutOverride() throws {
        let store = try UserStore.inMemory()
        _ = try store.add(Self.user("a", "old"), group: "g", replacing: false)
        _ = try store.add(Self.user("b"), group: "g", replacing: false)
        var report = try store.importUsers([Self.user("a", "new"), Self.user("b"), Self.user("c")], group: "g", override: false)
        #expect(
            report
                == {
                    var r = UserImportReport(); r.added = 1; r.unchanged = 1; r.skipped = 1; return r
                }())
        #expect(try store.user("a", group: "g")?.passwordHash == "old")
        report = try store.importUsers([Self.user("a", "new")], group: "g", override: true)
        #expect(report.updated == 1)
        #expect(try store.user("a", group: "g")?.passwordHash == "new")
        // One bad user id refuses the whole import.
        #expect(throws: StoreError.self) { try store.importUsers([Self.user("d"), Self.user("")], group: "g", override: true) }
        #expect(try store.user("d", group: "g") == nil)
    }

    // MARK: Files

    static func parse(_ text: String, _ kind: UserImportFile.Kind = .plain) throws -> [UserImportRow] {
        try UserImportFile.parseCSV(text, kind: kind, path: "users.csv")
    }

    /// EMQX's shipped bootstrap and sample files parse as they are.
    @Test func emqxSampleFiles() throws {
        let hashed = try Self.parse(
            """
            user_id,password_hash,salt,is_superuser
            myuser3,b6c743545a7817ae8c8f624371d5f5f0373234bb0ff36b8ffbf19bce0e06ab75,de1024f462fb83910fd13151bd4bd235,true
            myuser4,ee68c985a69208b6eda8c6c9b4c7c2d2b15ee2352cdd64a903171710a99182e8,ad773b5be9dd0613fe6c2f4d8c403139,false

            """, .hash)
        #expect(hashed.map(\.userID) == ["myuser3", "myuser4"])
        #expect(hashed[0].isSuperuser && !hashed[1].isSuperuser)
        #expect(
            hashed[0].credential
                == .hashed(
                    passwordHash: "b6c743545a7817ae8c8f624371d5f5f0373234bb0ff36b8ffbf19bce0e06ab75",
                    salt: "de1024f462fb83910fd13151bd4bd235"))
        let plain = try Self.parse("user_id,password,is_superuser\r\nuser1,pass1,true\r\n")
        #expect(plain == [UserImportRow(userID: "user1", credential: .password("pass1"), isSuperuser: true, position: 2)])
        let json = try UserImportFile.parseJSON(
            Data(
                #"[{"user_id":"myuser1","password_hash":"c5e4","salt":"e378","is_superuser":true},{"user_id":"u2","password_hash":"ab","is_superuser":"false"}]"#
                    .utf8),
            kind: .hash, path: "users.json")
        #expect(json.map(\.isSuperuser) == [true, false])
        #expect(json[1].credential == .hashed(passwordHash: "ab", salt: ""))
    }

    /// Beyond EMQX's splitting on commas and spaces: quoted fields keep commas and spaces, and
    /// an empty field is a field.
    @Test func csvQuoting() throws {
        let rows = try Self.parse("user_id,password,is_superuser\n\"a b\",\"p,w \"\"q\"\"\",false\n  c  , d ,true\n")
        #expect(rows[0].userID == "a b" && rows[0].credential == .password("p,w \"q\""))
        #expect(rows[1].userID == "c" && rows[1].credential == .password("d") && rows[1].isSuperuser)
    }

    @Test func badFilesNameTheirLine() throws {
        let cases: [(String, UserImportFile.Kind, Int?, String)] = [
            ("user_id,password,is_superuser\na,b\n", .plain, 2, "2 fields where the header has 3"),
            ("user_id,is_superuser\na,true\n", .plain, 1, "no password column"),
            ("user_id,password\na,\n", .plain, 2, "the password is empty"),
            ("user_id,password\n,x\n", .plain, 2, "the user id is empty"),
            ("user_id,password\na,x\nb,y\na,z\n", .plain, 4, "also at line 2"),
            ("user_id,password\n\"a,x\n", .plain, 2, "never closed"),
            ("user_id,password\na\"b,x\n", .plain, 2, "a quote inside an unquoted field"),
            ("", .plain, nil, "a header row is required"),
            ("user_id,password_hash,salt\na,,s\n", .hash, 2, "the password_hash is empty"),
        ]
        for (text, kind, line, message) in cases {
            let error = #expect(throws: StoreError.self) { try Self.parse(text, kind) }
            #expect(error?.line == line, "\(text)")
            #expect(error?.reason.contains(message) == true, "\(text): \(error?.reason ?? "")")
        }
        #expect(throws: StoreError.self) { try UserImportFile.parseJSON(Data("{}".utf8), kind: .plain, path: "u.json") }
        #expect(throws: StoreError.self) { try UserImportFile.parseJSON(Data("[1]".utf8), kind: .plain, path: "u.json") }
        let folder = try TemporaryDirectory()
        _ = try folder.write("users.txt", "user_id,password\na,b\n")
        let error = #expect(throws: StoreError.self) { try UserImportFile.read(folder.file("users.txt"), kind: .plain) }
        #expect(error?.reason.contains(".csv or .json") == true)
    }
}

@Suite struct ACLRuleStoreTests {
    @Test func rulesKeepTheirOrderAndEMQXsSubjectOrder() throws {
        let store = try UserStore.inMemory()
        try store.addACLRule(StoredACLRule(subject: .all, permission: "deny", action: "all", topic: "#"), maxRules: 10)
        try store.addACLRule(StoredACLRule(subject: .username("u"), permission: "allow", action: "publish", topic: "u/1"), maxRules: 10)
        try store.addACLRule(
            StoredACLRule(subject: .clientID("c"), permission: "allow", action: "subscribe", topic: "c/#", qos: 0b001), maxRules: 10)
        #expect(
            try store.addACLRule(StoredACLRule(subject: .username("u"), permission: "deny", action: "publish", topic: "u/2"), maxRules: 10)
                == 2)
        let rules = try store.aclRules()
        #expect(rules.map(\.topic) == ["c/#", "u/1", "u/2", "#"], "client ids, then user names, then all")
        #expect(rules.map(\.position) == [1, 1, 2, 1])
        #expect(rules[0].qos == 1)
        let full = #expect(throws: StoreError.self) {
            try store.addACLRule(StoredACLRule(subject: .username("u"), permission: "deny", action: "all", topic: "x"), maxRules: 2)
        }
        #expect(full?.reason.contains("max_rules") == true)
        #expect(try store.deleteACLRules(.username("u"), topic: "u/1") == 1)
        #expect(try store.deleteACLRules(.username("u")) == 1)
        #expect(try store.deleteACLRules(.username("u")) == 0)
        // The schema refuses what no command writes.
        #expect(throws: StoreError.self) {
            try store.addACLRule(StoredACLRule(subject: .all, permission: "maybe", action: "all", topic: "#"), maxRules: 10)
        }
    }
}
