import BrokerCore
import MQTTCore
import NIOCore
import Testing

@testable import BrokerRuntime

/// A group written to the state store leaves out the messages that came and went within it,
/// and nothing else.
@Suite struct DurableChangeCoalescingTests {
    static let message = ApplicationMessage(topic: "t", payload: ByteBuffer(string: "x"), qos: .atLeastOnce, retain: false)

    func added(_ client: String, _ sequence: UInt64) -> DurableChange {
        .messageAdded(clientID: client, sequence: sequence, Self.message, identifiers: [])
    }

    func names(_ changes: [DurableChange]) -> [String] {
        changes.map { change in
            switch change {
            case .messageAdded(let id, let sequence, _, _): "added \(id) \(sequence)"
            case .messageSent(let id, let sequence, _): "sent \(id) \(sequence)"
            case .messageRemoved(let id, let sequence): "removed \(id) \(sequence)"
            case .sessionEnded(let id): "ended \(id)"
            case .sessionSaved(let id, _, _): "saved \(id)"
            default: "other"
            }
        }
    }

    @Test func aMessageAddedAndAcknowledgedInOneGroupIsNotWritten() {
        let group: [DurableChange] = [
            added("a", 1), .messageSent(clientID: "a", sequence: 1, packetID: 5), added("a", 2), added("b", 1),
            .messageRemoved(clientID: "a", sequence: 1), .messageRemoved(clientID: "b", sequence: 7),
        ]
        #expect(names(DurableChange.coalesced(group)) == ["added a 2", "added b 1", "removed b 7"])
    }

    /// A client's sequences start again with a new session: the old session's acknowledged
    /// message does not take the new session's message of the same number with it.
    @Test func aNewSessionsMessageIsNotTakenForTheOldOnes() {
        let group: [DurableChange] = [
            added("c", 1), .messageRemoved(clientID: "c", sequence: 1), .sessionEnded(clientID: "c"),
            .sessionSaved(clientID: "c", protocolVersion: .v5, expiryInterval: 60), added("c", 1),
        ]
        #expect(names(DurableChange.coalesced(group)) == ["ended c", "saved c", "added c 1"])
    }
}
