import EmqxTestSupport
import Foundation
import Testing

@testable import Stores

/// The broker state store: what `apply` writes, `load` reads back whole, with what expired
/// deleted first; and a store that cannot be used is refused with its reason.
@Suite struct BrokerStateStoreTests {
    let folder: TemporaryDirectory
    let path: String

    init() throws {
        folder = try TemporaryDirectory()
        path = folder.file("data/broker.db")
    }

    static func message(_ text: String, qos: UInt8 = 1, expiresAt: Int64? = nil) -> StoredMessage {
        StoredMessage(
            topic: "t/\(text)", payload: Array(text.utf8), qos: qos, retain: false, properties: [0x02, 0x01, 0x01], publisher: "pub",
            expiresAt: expiresAt)
    }

    @Test func whatIsAppliedLoadsBack() throws {
        let store = try BrokerStateStore.open(path: path)
        try store.apply([
            .sessionSaved(clientID: "dev", protocolLevel: 5, expiryInterval: 3600),
            .subscribed(clientID: "dev", filter: "t/#", options: 0x06, identifier: 7),
            .subscribed(clientID: "dev", filter: "gone", options: 0, identifier: nil),
            .unsubscribed(clientID: "dev", filter: "gone"),
            .messageAdded(clientID: "dev", sequence: 1, Self.message("one"), identifiers: [7, 8]),
            .messageAdded(clientID: "dev", sequence: 2, Self.message("two", qos: 2), identifiers: []),
            .messageAdded(clientID: "dev", sequence: 3, Self.message("three"), identifiers: []),
            .messageSent(clientID: "dev", sequence: 1, packetID: 11),
            .messageSent(clientID: "dev", sequence: 2, packetID: 12),
            .messageReleased(clientID: "dev", sequence: 2),
            .messageAdded(clientID: "dev", sequence: 4, Self.message("acked"), identifiers: []),
            .messageRemoved(clientID: "dev", sequence: 4),
            .releaseAwaited(clientID: "dev", packetID: 5),
            .releaseAwaited(clientID: "dev", packetID: 6),
            .releaseCompleted(clientID: "dev", packetID: 6),
            .sessionDisconnected(clientID: "dev", expiryInterval: 1800, at: 1_000_000),
            .retained(topic: "r/1", Self.message("kept")),
            .retained(topic: "r/2", Self.message("cleared")),
            .retained(topic: "r/2", nil),
        ])
        let (sessions, retained) = try store.load(now: 1_000_500)
        let session = try #require(sessions.first)
        #expect(sessions.count == 1)
        #expect(session.clientID == "dev" && session.protocolLevel == 5 && session.expiryInterval == 1800)
        #expect(session.disconnectedAt == 1_000_000)
        #expect(session.subscriptions == [.init(filter: "t/#", options: 0x06, identifier: 7)])
        #expect(session.messages.map(\.sequence) == [1, 2, 3])
        #expect(session.messages[0].message == Self.message("one") && session.messages[0].identifiers == [7, 8])
        #expect(session.messages.map(\.packetID) == [11, 12, nil])
        #expect(session.messages.map(\.released) == [false, true, false])
        #expect(session.awaitingRelease == [5])
        #expect(retained.map(\.topic) == ["r/1"] && retained.first?.payload == Array("kept".utf8) && retained.first?.retain == true)
    }

    /// At start-up: expired sessions go with everything of theirs, a session that was
    /// connected when the broker stopped is disconnected as of now, one that never expires
    /// stays; expired retained messages and queued messages go.
    @Test func loadDeletesWhatExpired() throws {
        let store = try BrokerStateStore.open(path: path)
        try store.apply([
            .sessionSaved(clientID: "expired", protocolLevel: 4, expiryInterval: 10),
            .subscribed(clientID: "expired", filter: "x", options: 1, identifier: nil),
            .messageAdded(clientID: "expired", sequence: 1, Self.message("x"), identifiers: []),
            .sessionDisconnected(clientID: "expired", expiryInterval: 10, at: 50_000),
            .sessionSaved(clientID: "connected", protocolLevel: 5, expiryInterval: 10),
            .sessionSaved(clientID: "forever", protocolLevel: 5, expiryInterval: UInt32.max),
            .sessionDisconnected(clientID: "forever", expiryInterval: UInt32.max, at: 0),
            .messageAdded(clientID: "forever", sequence: 1, Self.message("stale", expiresAt: 59_000), identifiers: []),
            .messageAdded(clientID: "forever", sequence: 2, Self.message("fresh", expiresAt: 61_000), identifiers: []),
            .retained(topic: "old", Self.message("old", expiresAt: 60_000)),
            .retained(topic: "new", Self.message("new", expiresAt: 60_001)),
        ])
        let (sessions, retained) = try store.load(now: 60_000)
        #expect(sessions.map(\.clientID) == ["connected", "forever"])
        #expect(sessions[0].disconnectedAt == 60_000)
        #expect(sessions[1].messages.map(\.sequence) == [2])
        #expect(retained.map(\.topic) == ["new"])
        let counts = try store.counts()
        #expect(counts["subscriptions"] == 0 && counts["session_messages"] == 1 && counts["sessions"] == 2)
    }

    @Test func theStoreIsOwnerOnlyAndFsyncsEachCommit() throws {
        let store = try BrokerStateStore.open(path: path)
        try store.apply([.sessionSaved(clientID: "a", protocolLevel: 5, expiryInterval: 1)])
        #expect(try folder.mode("data/broker.db") == 0o600)
        #expect(try folder.mode("data") == 0o700)
        let synchronous = try store.connection.prepare("PRAGMA synchronous")
        _ = try synchronous.step()
        #expect(synchronous.int64(at: 0) == 2)  // FULL
    }

    /// Two brokers on one store would each think they own its sessions.
    @Test func aSecondOpenWhileOneHoldsItIsRefused() throws {
        do {
            let first = try BrokerStateStore.open(path: path)
            let error = #expect(throws: StoreError.self) { try BrokerStateStore.open(path: path) }
            #expect(error?.code == .locked)
            #expect(error?.description.contains("another emqxctl serve is using it") == true, "\(String(describing: error))")
            withExtendedLifetime(first) {}
        }
        // Released with the first.
        _ = try BrokerStateStore.open(path: path)
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        try folder.write("data/broker.db", String(repeating: "not sqlite ", count: 500))
        let error = #expect(throws: StoreError.self) { try BrokerStateStore.open(path: path) }
        #expect(error?.code == .database)
        #expect(error?.description.contains("not a database") == true, "\(String(describing: error))")
    }

    @Test func aStoreFromANewerVersionIsRefused() throws {
        do {
            let store = try BrokerStateStore.open(path: path)
            _ = store
        }
        let connection = try SQLiteConnection(path: path)
        try connection.setUserVersion(99)
        let error = #expect(throws: StoreError.self) { try BrokerStateStore.open(path: path) }
        #expect(error?.code == .schemaTooNew)
    }
}
