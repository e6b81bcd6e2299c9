import BrokerCore
import MQTTCore
import Stores
import Testing

@testable import BrokerRuntime

/// Rows of the state store that do not read back as what the broker wrote stop start-up,
/// naming the session; none is skipped.
@Suite struct RestoredStateTests {
    func session(filter: String = "t/#", options: UInt8 = 1, level: UInt8 = 5) -> StoredSession {
        var session = StoredSession(clientID: "dev", protocolLevel: level, expiryInterval: 60, disconnectedAt: 0)
        session.subscriptions = [.init(filter: filter, options: options, identifier: nil)]
        return session
    }

    func restore(_ session: StoredSession) throws -> RestoredState {
        try RestoredState(sessions: [session], retained: [], clock: .now())
    }

    @Test func aGoodRowReadsBack() throws {
        let state = try restore(session())
        #expect(state.sessions.first?.subscriptions.first?.0.topicFilter == "t/#")
    }

    @Test(arguments: [("a/#/b", UInt8(1), UInt8(5)), ("t", 0xC1, 5), ("t", 1, 9)])
    func aDamagedRowStopsStartUp(filter: String, options: UInt8, level: UInt8) throws {
        let error = #expect(throws: RestoreError.self) { try restore(session(filter: filter, options: options, level: level)) }
        #expect(error?.description.contains("session dev in the broker state store cannot be read") == true, "\(String(describing: error))")
    }
}
