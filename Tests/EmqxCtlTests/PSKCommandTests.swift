import EmqxTestSupport
import Foundation
import Stores
import Testing

/// `emqxctl psk …` as users run it.
@Suite struct PSKCommandTests {
    let folder: TemporaryDirectory

    init() throws { folder = try TemporaryDirectory() }

    func run(_ arguments: [String], input: String? = nil) throws -> Subprocess.Outcome {
        var command = Subprocess(Emqxctl.binary, ["psk"] + arguments, workingDirectory: folder.path)
        command.standardInput = input.map { Array($0.utf8) }
        return try command.run(timeout: 60)
    }

    @Test func importListShowExport() throws {
        try folder.write("data/init.psk", "myclient1:8c701116e9127c57a99d5563709af3de\nmyclient2:d1e617d3b963757b\n")
        let imported = try run(["import", "data/init.psk"])
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stdout.isEmpty)
        #expect(imported.stderr.contains("data/init.psk -> data/psk.db: 2 added, 0 updated, 0 unchanged"), "\(imported)")
        #expect(try folder.mode("data/psk.db") == 0o600)

        let list = try run(["list"])
        #expect(list.stdout.contains("myclient1"))
        #expect(!list.stdout.contains("8c701116"), "list never prints secrets")
        let json = try run(["list", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["identity"] as? String } == ["myclient1", "myclient2"])
        #expect(rows.first?["secretLength"] as? Int == 32)
        #expect(!json.stdout.contains("8c701116"))

        let hidden = try run(["show", "myclient2", "--client-commands"])
        #expect(hidden.stdout.contains("--psk <KEY-HEX> --psk-identity myclient2"), "\(hidden)")
        #expect(!hidden.stdout.contains("d1e617d3b963757b"))
        let revealed = try run(["show", "myclient2", "--client-commands", "--reveal"])
        // The key is the hex of the secret's text: "d1e617d3b963757b" as ASCII.
        #expect(revealed.stdout.contains("--psk 64316536313764336239363337353762 --psk-identity myclient2"), "\(revealed)")

        let exported = try run(["export", "backup.psk"])
        #expect(exported.status == 0, "\(exported)")
        #expect(try folder.mode("backup.psk") == 0o600)
        #expect(
            try String(contentsOfFile: folder.file("backup.psk"), encoding: .utf8)
                == "myclient1:8c701116e9127c57a99d5563709af3de\nmyclient2:d1e617d3b963757b\n")
        let again = try run(["export", "backup.psk"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists; pass --force"))
        let hex = try run(["export", "mosquitto.psk", "--secret-encoding", "hex"])
        #expect(hex.status == 0)
        #expect(
            try String(contentsOfFile: folder.file("mosquitto.psk"), encoding: .utf8).contains(
                "myclient2:64316536313764336239363337353762\n"))
    }

    @Test func badFilesFailWithTheirLineAndChangeNothing() throws {
        try folder.write("good.psk", "a:1\n")
        #expect(try run(["import", "good.psk"]).status == 0)
        try folder.write("bad.psk", "b:2\nc:3\nno separator here\n")
        let bad = try run(["import", "bad.psk", "--chunk-size", "1"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.psk:3: no \":\" separator"), "\(bad)")
        let list = try run(["list", "--format", "json"])
        #expect(list.stdout.contains("\"a\"") && !list.stdout.contains("\"b\""), "\(list)")

        let missing = try run(["import", "nope.psk"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.psk: cannot read: No such file or directory"))
        try folder.write("file", "x")
        let unwritable = try run(["import", "good.psk", "--db", "file/psk.db"])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("file/psk.db"), "\(unwritable)")

        // A store the failed import would have created is not left behind.
        let fresh = try run(["import", "bad.psk", "--db", "fresh/psk.db"])
        #expect(fresh.status == 1, "\(fresh)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("fresh/psk.db")))
        #expect(!FileManager.default.fileExists(atPath: folder.file("fresh/psk.db-wal")))
    }

    @Test func configSuppliesFileSeparatorAndEncoding() throws {
        try folder.write(
            "etc/emqx.conf",
            "psk_authentication { enable = true, init_file = \"data/devices.psk\", separator = \"|\", secret_encoding = hex }\n")
        try folder.write("data/devices.psk", "dev-1|00ff\n")
        let outcome = try run(["import", "--config", "etc/emqx.conf"])
        #expect(outcome.status == 0, "\(outcome)")
        let store = try PSKStore.open(path: folder.file("data/psk.db"), create: false)
        #expect(try store.secret(for: Array("dev-1".utf8)) == [0x00, 0xFF])
    }

    @Test func addFromStdinOrGeneratedAndDelete() throws {
        let added = try run(["add", "sensor-7"], input: "s3cret\n")
        #expect(added.status == 0, "\(added)")
        #expect(added.stdout.isEmpty, "a secret from stdin is not echoed")
        let store = try PSKStore.open(path: folder.file("data/psk.db"), create: false)
        #expect(try store.secret(for: Array("sensor-7".utf8)) == Array("s3cret".utf8))
        let exists = try run(["add", "sensor-7"], input: "other")
        #expect(exists.status == 1)
        #expect(exists.stderr.contains("already exists; pass --force"))

        let generated = try run(["add", "sensor-8", "--generate", "--bytes", "16"])
        #expect(generated.status == 0)
        let secretLine = try #require(generated.stdout.split(separator: "\n").first)
        let text = String(secretLine.split(separator: " ").last!)
        #expect(text.count == 32)
        #expect(try store.secret(for: Array("sensor-8".utf8)) == Array(text.utf8))
        #expect(generated.stdout.contains("--psk-identity sensor-8"))
        // --bytes counts random bytes; with raw encoding their hex text is the key, and every
        // client line takes that key's hex.
        #expect(generated.stderr.contains("16 random bytes, written as 32 hex characters"), "\(generated)")
        let keyHex = Array(text.utf8).map { String(format: "%02x", $0) }.joined()
        #expect(generated.stdout.contains("key in hex (32 bytes, as clients take it): \(keyHex)\n"), "\(generated)")
        let clientLines = generated.stdout.split(separator: "\n").filter { $0.hasPrefix("mosquitto_") || $0.hasPrefix("openssl") }
        #expect(clientLines.count == 3 && clientLines.allSatisfy { $0.contains(" \(keyHex) ") }, "\(generated)")

        let hexGenerated = try run(["add", "sensor-9", "--generate", "--bytes", "16", "--secret-encoding", "hex"])
        let hexText = String(try #require(hexGenerated.stdout.split(separator: "\n").first).split(separator: " ").last!)
        #expect(hexText.count == 32 && hexGenerated.stdout.contains("--psk \(hexText) "), "\(hexGenerated)")
        #expect(try store.secret(for: Array("sensor-9".utf8))?.map { String(format: "%02x", $0) }.joined() == hexText)

        #expect(try run(["delete", "sensor-7"]).status == 0)
        let gone = try run(["delete", "sensor-7"])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("no identity \"sensor-7\""))
    }

    /// A second process reading while an import runs sees the old set or the new one, never a mix.
    @Test func readersSeeTheOldSetOrTheNewOneNeverAMix() throws {
        let count = 100_000
        try folder.write("old.psk", (0..<count).map { "device-\($0):old-\($0)" }.joined(separator: "\n") + "\n")
        try folder.write("new.psk", (0..<count).map { "device-\($0):new-\($0)" }.joined(separator: "\n") + "\n")
        #expect(try run(["import", "old.psk"]).status == 0)
        try folder.write(
            "reader.py",
            """
            import os, sqlite3, sys, time
            seen = set()
            deadline = time.time() + 60
            while not os.path.exists("stop") and time.time() < deadline:
                db = sqlite3.connect("file:data/psk.db?mode=ro", uri=True)
                row = db.execute("SELECT count(*), sum(CAST(secret AS TEXT) LIKE 'old-%'), sum(CAST(secret AS TEXT) LIKE 'new-%') FROM psk").fetchone()
                db.close()
                seen.add(row)
            print(sorted(seen))
            """
        )
        let reader = try Subprocess("python3", ["reader.py"], workingDirectory: folder.path).start()
        usleep(200_000)
        let imported = try run(["import", "new.psk"])
        usleep(200_000)
        try folder.write("stop", "")
        while reader.isRunning { usleep(10_000) }
        let observed = reader.stop()
        #expect(imported.status == 0, "\(imported)")
        #expect(observed.status == 0, "\(observed)")
        let old = "(\(count), \(count), 0)"
        let new = "(\(count), 0, \(count))"
        #expect(observed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\(new), \(old)]", "\(observed)")
    }

    /// `kill -9` in the middle of an import leaves the old set intact.
    @Test func killDuringImportLeavesTheOldSet() throws {
        try folder.write("old.psk", "keep-1:a\nkeep-2:b\n")
        #expect(try run(["import", "old.psk"]).status == 0)
        try folder.write("big.psk", (0..<600_000).map { "device-\($0):secret-\($0)" }.joined(separator: "\n") + "\n")
        let importing = try Subprocess(Emqxctl.binary, ["psk", "import", "big.psk", "--replace"], workingDirectory: folder.path).start()
        // Kill once the import has written into the WAL, well before it can finish.
        let deadline = Date().addingTimeInterval(20)
        while importing.isRunning && Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: folder.file("data/psk.db-wal"))[.size] as? Int) ?? 0
            if size > 1 << 20 { break }
            usleep(2_000)
        }
        try #require(importing.isRunning, "the import finished before it could be killed")
        kill(importing.processIdentifier, SIGKILL)
        _ = importing.stop()
        let store = try PSKStore.open(path: folder.file("data/psk.db"), create: false)
        #expect(try store.list().map(\.displayIdentity) == ["keep-1", "keep-2"])
        let check = try Subprocess(
            "python3", ["-c", "import sqlite3; print(sqlite3.connect('data/psk.db').execute('PRAGMA integrity_check').fetchone()[0])"],
            workingDirectory: folder.path
        ).run()
        #expect(check.stdout == "ok\n", "\(check)")
    }
}
