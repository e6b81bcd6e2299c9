import ConfigModel
import MQTTCore
import NIOCore
import Testing

@testable import BrokerCore

/// session_persistence: which sessions are durable, the changes each step writes, which
/// answers wait for their commit, and a session brought back from the state store.
@Suite struct DurableSessionTests {
    func names(_ changes: [DurableChange]) -> [String] {
        changes.map { change in
            switch change {
            case .sessionSaved(let id, _, let expiry): "saved \(id) \(expiry)"
            case .sessionDisconnected(let id, _): "disconnected \(id)"
            case .sessionEnded(let id): "ended \(id)"
            case .subscribed(let id, let subscription, _): "subscribed \(id) \(subscription.topicFilter)"
            case .unsubscribed(let id, let filter): "unsubscribed \(id) \(filter)"
            case .messageAdded(let id, let sequence, let message, _): "added \(id) \(sequence) \(String(buffer: message.payload))"
            case .messageSent(let id, let sequence, _): "sent \(id) \(sequence)"
            case .messageReleased(let id, let sequence): "released \(id) \(sequence)"
            case .messageRemoved(let id, let sequence): "removed \(id) \(sequence)"
            case .releaseAwaited(let id, let packetID): "awaiting \(id) \(packetID)"
            case .releaseCompleted(let id, let packetID): "completed \(id) \(packetID)"
            case .retained(let topic, _): "retained \(topic)"
            }
        }
    }

    /// Durable: 5.0 with an expiry interval, 3.1.1 without clean session; only when on.
    @Test func whichSessionsAreDurable() throws {
        var harness = BrokerHarness(sessionPersistence: true)
        harness.connect("v5", clean: true, expiry: 60)
        harness.connect("v5-zero", clean: true, expiry: 0)
        harness.connect("v3", version: .v3_1_1, clean: false)
        harness.connect("v3-clean", version: .v3_1_1, clean: true)
        #expect(names(harness.changes) == ["saved v5 60", "saved v3 7200"])

        var off = BrokerHarness(sessionPersistence: false)
        off.connect("v5", clean: true, expiry: 60)
        #expect(off.changes.isEmpty)
    }

    @Test func subscriptionsAreWrittenAndAcknowledgedOnceCommitted() throws {
        var harness = BrokerHarness(sessionPersistence: true)
        let durable = harness.connect("durable", expiry: 60)
        harness.subscribe(durable, "a/+", qos: .atLeastOnce)
        harness.send(.unsubscribe(UnsubscribePacket(packetIdentifier: 2, topicFilters: ["a/+", "never"])), from: durable)
        #expect(names(harness.changes) == ["saved durable 60", "subscribed durable a/+", "unsubscribed durable a/+"])
        #expect(harness[durable].committed.count == 2)  // SUBACK and UNSUBACK

        let passing = harness.connect("passing")
        harness.subscribe(passing, "a/+", qos: .atLeastOnce)
        #expect(harness[passing].committed.isEmpty)
    }

    /// A QoS 1 message is acknowledged after the commit that holds it for a durable subscriber;
    /// one that reaches only sessions in memory, and QoS 0, never wait.
    @Test func thePublishersAckWaitsOnlyForDurableSubscribers() throws {
        var harness = BrokerHarness(sessionPersistence: true)
        let durable = harness.connect("durable", expiry: 60)
        harness.subscribe(durable, "d", qos: .atLeastOnce)
        let passing = harness.connect("passing")
        harness.subscribe(passing, "p", qos: .atLeastOnce)
        harness.drop(durable)
        harness.clearChanges()

        let publisher = harness.connect("pub")
        harness.publish(publisher, "d", "one", qos: .atLeastOnce, id: 1)
        harness.publish(publisher, "p", "two", qos: .atLeastOnce, id: 2)
        harness.publish(publisher, "d", "three", qos: .atMostOnce)
        #expect(names(harness.changes) == ["added durable 1 one"])
        #expect(harness[publisher].committed.map(\.name) == ["PUBACK"])
        // mqueue_store_qos0 queues the QoS 0 message too, in memory only.
        #expect(harness.broker.sessions["durable"]?.queuedCount == 2)
    }

    /// Out to a durable subscriber: added and sent (its packet identifier), removed on PUBACK;
    /// QoS 2 goes out only once its identifier is on disk, PUBREL once released.
    @Test func deliveriesToADurableSessionAreTracked() throws {
        var harness = BrokerHarness(sessionPersistence: true)
        let subscriber = harness.connect("sub", expiry: 60)
        harness.subscribe(subscriber, "one", qos: .atLeastOnce)
        harness.subscribe(subscriber, "two", qos: .exactlyOnce)
        let publisher = harness.connect("pub")
        harness.clearChanges()
        harness.publish(publisher, "one", "a", qos: .atLeastOnce, id: 1)
        harness.publish(publisher, "two", "b", qos: .exactlyOnce, id: 2)
        let (first, second) = (harness[subscriber].publishes[0], harness[subscriber].publishes[1])
        #expect(harness[subscriber].committed.map(\.name) == ["SUBACK", "SUBACK", "PUBLISH"])
        harness.send(.puback(PubAckPacket(packetIdentifier: first.packetIdentifier!)), from: subscriber)
        harness.send(.pubrec(PubAckPacket(packetIdentifier: second.packetIdentifier!)), from: subscriber)
        #expect(harness[subscriber].committed.last?.name == "PUBREL")
        harness.send(.pubcomp(PubAckPacket(packetIdentifier: second.packetIdentifier!)), from: subscriber)
        #expect(
            names(harness.changes) == [
                "added sub 1 a", "sent sub 1", "added sub 2 b", "sent sub 2", "removed sub 1", "released sub 2", "removed sub 2",
            ])
    }

    /// Inbound QoS 2 from a durable session: PUBREC after the identifier is on disk, PUBCOMP
    /// after it is gone from it.
    @Test func inboundQoS2IdentifiersAreDurable() throws {
        var harness = BrokerHarness(sessionPersistence: true)
        let publisher = harness.connect("pub", expiry: 60)
        harness.clearChanges()
        harness.publish(publisher, "t", "x", qos: .exactlyOnce, id: 9)
        harness.send(.pubrel(PubAckPacket(packetIdentifier: 9)), from: publisher)
        #expect(names(harness.changes) == ["awaiting pub 9", "completed pub 9"])
        #expect(harness[publisher].committed.map(\.name) == ["PUBREC", "PUBCOMP"])
    }

    @Test func disconnectExpiryAndCleanStartAreWritten() throws {
        var harness = BrokerHarness(sessionPersistence: true)
        let first = harness.connect("s", expiry: 10)
        harness.drop(first)
        harness.advance(by: .seconds(11))
        harness.connect("t", expiry: 60)
        harness.connect("t", clean: true, expiry: 30)  // a clean start replaces it
        #expect(names(harness.changes) == ["saved s 10", "disconnected s", "ended s", "saved t 60", "ended t", "saved t 30"])
    }

    /// Back from the store: offline until its client returns, then what was in flight again
    /// with its identifiers (DUP), PUBREL for what was released, then the queue; a QoS 2
    /// retransmission it still awaits PUBREL for is not routed twice; and it still expires.
    @Test func aRestoredSessionResumesWhereItStopped() throws {
        var harness = BrokerHarness(sessionPersistence: true)
        func message(_ text: String, _ qos: QoS) -> ApplicationMessage {
            ApplicationMessage(topic: "t", payload: ByteBuffer(string: text), qos: qos, retain: false)
        }
        var stored = RestoredSession(clientID: "dev", protocolVersion: .v5, expiryInterval: 60, expiresIn: .seconds(30))
        stored.subscriptions = [(SubscribePacket.Subscription(topicFilter: "t", qos: .exactlyOnce), identifier: nil)]
        stored.messages = [
            .init(sequence: 3, message: message("in flight", .atLeastOnce), identifiers: [], packetID: 7, released: false),
            .init(sequence: 4, message: message("released", .exactlyOnce), identifiers: [], packetID: 9, released: true),
            .init(sequence: 5, message: message("queued", .atLeastOnce), identifiers: [], packetID: nil, released: false),
        ]
        stored.awaitingRelease = [5]
        harness.start(restoring: RestoredState(sessions: [stored]))
        let publisher = harness.connect("pub")
        harness.publish(publisher, "t", "new", qos: .atLeastOnce, id: 1)

        let device = harness.connect("dev", clean: false, expiry: 60)
        #expect(harness[device].connacks.first?.sessionPresent == true)
        let sent = harness[device].sent.dropFirst().map { packet -> String in
            switch packet {
            case .publish(let publish): "\(publish.packetIdentifier!) \(String(buffer: publish.payload))\(publish.duplicate ? " dup" : "")"
            case .pubrel(let ack): "pubrel \(ack.packetIdentifier)"
            default: packet.name
            }
        }
        #expect(sent.prefix(2) == ["7 in flight dup", "pubrel 9"])
        #expect(sent.dropFirst(2).map { $0.split(separator: " ", maxSplits: 1).last! } == ["queued", "new"])
        #expect(names(harness.changes).contains("added dev 6 new"), "sequences go on from the store's")

        harness.clearChanges()
        harness.publish(device, "elsewhere", "again", qos: .exactlyOnce, id: 5)
        #expect(harness[device].sent.last?.name == "PUBREC")
        #expect(!names(harness.changes).contains("awaiting dev 5"), "a retransmission is not routed again")

        var idle = BrokerHarness(sessionPersistence: true)
        idle.start(restoring: RestoredState(sessions: [stored]))
        idle.advance(by: .seconds(31))
        #expect(idle.broker.sessions["dev"] == nil)
        #expect(names(idle.changes) == ["ended dev"])
    }
}
