import Foundation
import Testing

@testable import Stores

@Suite struct SQLiteTests {
    @Test func bindsAndReadsEveryColumnType() throws {
        let database = try SQLiteConnection(path: ":memory:")
        try database.execute("CREATE TABLE t (id TEXT PRIMARY KEY, secret BLOB NOT NULL, n INTEGER, note TEXT)")
        let insert = try database.prepare("INSERT INTO t VALUES (?, ?, ?, ?)")
        try insert.bind("device-1", at: 1)
        try insert.bind([0x00, 0xFF, 0x10], at: 2)
        try insert.bind(Int64.max, at: 3)
        try insert.bindNull(at: 4)
        try insert.step()
        insert.reset()
        try insert.bind("ünïcode ☃", at: 1)
        try insert.bind([], at: 2)
        try insert.bind(-1, at: 3)
        try insert.bind("note", at: 4)
        try insert.step()

        let select = try database.prepare("SELECT id, secret, n, note FROM t ORDER BY n")
        #expect(try select.step())
        #expect(select.text(at: 0) == "ünïcode ☃")
        #expect(select.blob(at: 1) == [])
        #expect(select.int64(at: 2) == -1)
        #expect(select.text(at: 3) == "note")
        #expect(try select.step())
        #expect(select.text(at: 0) == "device-1")
        #expect(select.blob(at: 1) == [0x00, 0xFF, 0x10])
        #expect(select.int64(at: 2) == Int64.max)
        #expect(select.isNull(at: 3))
        #expect(try !select.step())
    }

    @Test func errorsCarryCodeMessageAndSQL() throws {
        let database = try SQLiteConnection(path: ":memory:")
        let syntax = #expect(throws: SQLiteError.self) { try database.prepare("SELEKT 1") }
        #expect(syntax?.message.contains("syntax error") == true)
        #expect(syntax?.sql == "SELEKT 1")

        try database.execute("CREATE TABLE t (id TEXT PRIMARY KEY)")
        try database.execute("INSERT INTO t VALUES ('a')")
        let duplicate = #expect(throws: SQLiteError.self) { try database.execute("INSERT INTO t VALUES ('a')") }
        #expect(duplicate?.code == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
    }

    @Test func transactionRollsBackWhenTheBodyThrows() throws {
        struct Abort: Error {}
        let database = try SQLiteConnection(path: ":memory:")
        try database.execute("CREATE TABLE t (id INTEGER)")
        #expect(throws: Abort.self) {
            try database.transaction {
                try database.execute("INSERT INTO t VALUES (1)")
                throw Abort()
            }
        }
        try database.transaction { try database.execute("INSERT INTO t VALUES (2)") }
        let count = try database.prepare("SELECT group_concat(id) FROM t")
        try count.step()
        #expect(count.text(at: 0) == "2")
    }

    @Test func walFileIsSharedBetweenConnections() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("test.db").path

        let writer = try SQLiteConnection(path: path)
        try writer.execute("PRAGMA journal_mode=WAL; CREATE TABLE t (v TEXT)")
        try writer.setUserVersion(3)
        let mode = try writer.prepare("PRAGMA journal_mode")
        try mode.step()
        #expect(mode.text(at: 0) == "wal")
        mode.reset()  // an unfinished statement would hold the writer's next autocommit open

        let reader = try SQLiteConnection(path: path, readOnly: true)
        #expect(try reader.userVersion == 3)
        // A reader inside a transaction keeps its snapshot while the writer commits.
        try reader.execute("BEGIN")
        let before = try reader.prepare("SELECT count(*) FROM t")
        try before.step()
        #expect(before.int64(at: 0) == 0)
        before.reset()
        try writer.execute("INSERT INTO t VALUES ('x')")
        try before.step()
        #expect(before.int64(at: 0) == 0)
        before.reset()
        try reader.execute("COMMIT")
        try before.step()
        #expect(before.int64(at: 0) == 1)

        #expect(throws: SQLiteError.self) { try reader.execute("INSERT INTO t VALUES ('y')") }
        #expect(throws: SQLiteError.self) { try SQLiteConnection(path: folder.appendingPathComponent("missing/x.db").path) }
    }
}
