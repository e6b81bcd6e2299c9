import EmqxTestSupport
import Foundation
import Testing

@testable import Stores

@Suite struct PSKStoreTests {
    @Test func storeFilesAreCreatedOwnerOnly() throws {
        let folder = try TemporaryDirectory()
        let store = try PSKStore.open(path: folder.file("data/psk.db"))
        _ = try store.add(identity: Array("a".utf8), secret: Array("b".utf8), source: "cli", replacing: false)
        #expect(try folder.mode("data/psk.db") == 0o600)
        for sidecar in ["data/psk.db-wal", "data/psk.db-shm"] where FileManager.default.fileExists(atPath: folder.file(sidecar)) {
            #expect(try folder.mode(sidecar) == 0o600, "\(sidecar)")
        }
        #expect(try folder.mode("data") == 0o700)
        #expect(try store.connection.userVersion == StoreSchema.psk.currentVersion)
        let mode = try store.connection.prepare("PRAGMA journal_mode")
        _ = try mode.step()
        #expect(mode.text(at: 0) == "wal")
    }

    @Test func openingWithoutCreateNeedsAStore() throws {
        let folder = try TemporaryDirectory()
        let error = #expect(throws: StoreError.self) { try PSKStore.open(path: folder.file("none.db"), create: false) }
        #expect(error?.code == .fileSystem)
        #expect(!FileManager.default.fileExists(atPath: folder.file("none.db")))
    }

    @Test func aStoreThatCannotBeWrittenIsAClearError() throws {
        let folder = try TemporaryDirectory()
        try folder.write("file", "x")
        let error = #expect(throws: StoreError.self) { try PSKStore.open(path: folder.file("file/psk.db")) }
        #expect(error?.code == .fileSystem)
    }

    @Test func aStoreFromANewerVersionIsRefused() throws {
        let folder = try TemporaryDirectory()
        do {
            let store = try PSKStore.open(path: folder.file("psk.db"))
            try store.connection.setUserVersion(99)
        }
        let error = #expect(throws: StoreError.self) { try PSKStore.open(path: folder.file("psk.db")) }
        #expect(error?.code == .schemaTooNew)
    }

    @Test func addReplaceDeleteAndSnapshot() throws {
        let folder = try TemporaryDirectory()
        let store = try PSKStore.open(path: folder.file("psk.db"))
        let identity = Array("sensor-1".utf8)
        #expect(try store.add(identity: identity, secret: [1, 2, 3], source: "cli", replacing: false) == .added)
        let exists = #expect(throws: StoreError.self) { try store.add(identity: identity, secret: [9], source: "cli", replacing: false) }
        #expect(exists?.reason.contains("already exists; pass --force") == true)
        #expect(try store.add(identity: identity, secret: [9], source: "cli", replacing: true) == .replaced)
        #expect(try store.secret(for: identity) == [9])
        #expect(try store.list().map(\.secretLength) == [1])
        #expect(try store.entry(identity)?.source == "cli")
        #expect(try store.snapshot().secret(for: identity) == [9])
        #expect(try store.delete(identity: identity))
        #expect(try !store.delete(identity: identity))
        #expect(throws: StoreError.self) { try store.add(identity: [], secret: [1], source: "cli", replacing: false) }
    }

    @Test func displayEscapesWhatIsNotPrintable() {
        #expect(PSKText.display(Array("plain-id".utf8)) == "plain-id")
        #expect(PSKText.display([0x61, 0x0A, 0xFF]) == "a\\x0A\\xFF")
    }
}
