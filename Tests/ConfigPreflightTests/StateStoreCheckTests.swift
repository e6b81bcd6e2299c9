import ConfigModel
import EmqxTestSupport
import Foundation
import Testing

@testable import ConfigPreflight

/// Where serve would keep durable sessions and retained messages: a folder it can make or
/// write, files its owner's alone, and room; checked only when something is durable.
@Suite struct StateStoreCheckTests {
    let folder: TemporaryDirectory

    init() throws { folder = try TemporaryDirectory() }

    func diagnostics(_ text: String, store: String = "data/broker.db", freeSpace: UInt64 = 0) throws -> [Diagnostic] {
        let loaded = ConfigLoader(environment: [:]).load(text: "listeners.ssl.default = marked_for_deletion\n" + text, path: "emqx.conf")
        var preflight = Preflight(environment: [:], workingDirectory: folder.path)
        preflight.stateStore = store
        preflight.minimumFreeSpace = freeSpace
        return try preflight.check(#require(loaded.config)).diagnostics.with(.stateStore)
    }

    @Test func nothingDurableNothingChecked() throws {
        try folder.write("data", "a file where the folder should be")
        #expect(try diagnostics("retainer.backend.storage_type = ram\n").isEmpty)
    }

    @Test func aFileWhereTheFolderGoesIsAnErrorAtTheSetting() throws {
        try folder.write("data", "a file where the folder should be")
        let found = try diagnostics("mqtt {}\nsession_persistence {\n  enable = true\n}\n")
        #expect(found.count == 1 && found[0].severity == .error, "\(found)")
        #expect(found[0].message.contains("is not a folder") && found[0].location?.line == 3, "\(found)")
        let retained = try diagnostics("retainer.backend.storage_type = disc\n")
        #expect(retained.first?.keyPath == "retainer.backend.storage_type" && retained.first?.location?.line == 2, "\(retained)")
    }

    /// The store holds every queued message: open to others, it is an error, as the PSK store.
    @Test func storeFilesOpenToOthersAreErrors() throws {
        try FileManager.default.createDirectory(atPath: folder.file("data"), withIntermediateDirectories: true)
        for (file, mode) in [("data/broker.db", 0o600), ("data/broker.db-wal", 0o644)] {
            try folder.write(file, "")
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: folder.file(file))
        }
        let found = try diagnostics("session_persistence.enable = true\n")
        #expect(found.count == 1 && found[0].message.contains("broker.db-wal") && found[0].message.contains("644"), "\(found)")
    }

    @Test func littleFreeSpaceIsAWarning() throws {
        let found = try diagnostics("session_persistence.enable = true\n", freeSpace: UInt64.max)
        #expect(found.count == 1 && found[0].severity == .warning && found[0].message.contains("MB free"), "\(found)")
        #expect(try diagnostics("session_persistence.enable = true\n").isEmpty, "a folder that can be made, with room")
    }
}
