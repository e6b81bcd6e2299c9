import ConfigModel
import MQTTCore
import NIOCore
import Testing

@testable import BrokerCore

/// `retainer`: what is kept, for how long, and what goes to the state store when it is disc.
@Suite struct RetainerTests {
    func retainer(_ configure: (inout RetainerConfig) -> Void) -> RetainerConfig {
        var settings = RetainerConfig()
        configure(&settings)
        return settings
    }

    /// What a new subscriber to `#` is sent at once.
    func retainedSeen(_ harness: inout BrokerHarness) -> [String] {
        let watcher = harness.connect("watcher-\(Int.random(in: 0...Int.max))")
        harness.subscribe(watcher, "#", qos: .atMostOnce)
        return harness[watcher].publishes.map { "\($0.topicName)=\(String(buffer: $0.payload))" }.sorted()
    }

    @Test func offDeliversButKeepsNothing() throws {
        var harness = BrokerHarness(retainer: retainer { $0.enable = false })
        let subscriber = harness.connect("sub")
        harness.subscribe(subscriber, "t", qos: .atMostOnce)
        let publisher = harness.connect("pub")
        harness.publish(publisher, "t", "x", qos: .atMostOnce, retain: true)
        #expect(harness[subscriber].publishes.count == 1)
        #expect(retainedSeen(&harness).isEmpty)
    }

    @Test func aPayloadOverMaxPayloadSizeIsDeliveredButNotRetained() throws {
        var harness = BrokerHarness(retainer: retainer { $0.maxPayloadSize = 4 })
        let publisher = harness.connect("pub")
        harness.publish(publisher, "small", "1234", qos: .atMostOnce, retain: true)
        harness.publish(publisher, "large", "12345", qos: .atMostOnce, retain: true)
        #expect(retainedSeen(&harness) == ["small=1234"])
    }

    /// At max_retained_messages, a new topic is not retained; one already retained is replaced.
    @Test func maxRetainedMessagesRefusesNewTopicsOnly() throws {
        var harness = BrokerHarness(retainer: retainer { $0.maxRetainedMessages = 2 })
        let publisher = harness.connect("pub")
        for topic in ["a", "b", "c"] { harness.publish(publisher, topic, "1", qos: .atMostOnce, retain: true) }
        harness.publish(publisher, "a", "2", qos: .atMostOnce, retain: true)
        #expect(retainedSeen(&harness) == ["a=2", "b=1"])
    }

    /// msg_expiry_interval applies to a message that has no expiry of its own; the sweep
    /// (msg_clear_interval) removes it from the store too.
    @Test func msgExpiryIntervalAndTheSweep() throws {
        var harness = BrokerHarness(
            retainer: retainer {
                $0.msgExpiryInterval = .seconds(10)
                $0.msgClearInterval = .seconds(5)
                $0.storageType = .disc
            })
        harness.start(restoring: RestoredState())
        let publisher = harness.connect("pub")
        harness.publish(publisher, "t", "x", qos: .atMostOnce, retain: true)
        harness.advance(by: .seconds(9))
        #expect(retainedSeen(&harness) == ["t=x"])
        harness.clearChanges()
        harness.advance(by: .seconds(2))
        #expect(retainedSeen(&harness).isEmpty)
        harness.advance(by: .seconds(5))  // the sweep
        #expect(harness.changes.contains { if case .retained("t", nil) = $0 { true } else { false } }, "\(harness.changes)")
    }

    /// stop_publish_clear_msg: the empty PUBLISH that clears a retained message reaches nobody.
    @Test(arguments: [false, true])
    func clearingIsDeliveredUnlessStopPublishClearMsg(stop: Bool) throws {
        var harness = BrokerHarness(retainer: retainer { $0.stopPublishClearMsg = stop })
        let subscriber = harness.connect("sub")
        harness.subscribe(subscriber, "t", qos: .atMostOnce)
        let publisher = harness.connect("pub")
        harness.publish(publisher, "t", "x", qos: .atMostOnce, retain: true)
        harness.publish(publisher, "t", "", qos: .atMostOnce, retain: true)
        #expect(harness[subscriber].publishes.count == (stop ? 1 : 2))
        #expect(retainedSeen(&harness).isEmpty)
    }

    /// On disc, each change to a retained message is a durable change, and the PUBACK of a
    /// QoS 1 retained message waits for its commit; in ram nothing is written.
    @Test(arguments: [RetainerConfig.StorageType.ram, .disc])
    func discWritesEachChangeAndAcknowledgesAfterIt(storage: RetainerConfig.StorageType) throws {
        var harness = BrokerHarness(retainer: retainer { $0.storageType = storage })
        let publisher = harness.connect("pub")
        harness.publish(publisher, "t", "x", qos: .atLeastOnce, id: 1, retain: true)
        harness.publish(publisher, "t", "", qos: .atLeastOnce, id: 2, retain: true)
        harness.publish(publisher, "t", "", qos: .atLeastOnce, id: 3, retain: true)  // nothing left to clear
        let written = harness.changes.map { change -> String in
            guard case .retained(let topic, let message) = change else { return "other" }
            return "\(topic)=\(message.map { String(buffer: $0.payload) } ?? "nil")"
        }
        #expect(written == (storage == .disc ? ["t=x", "t=nil"] : []))
        #expect(harness[publisher].committed.count == (storage == .disc ? 2 : 0))
        #expect(harness[publisher].sent.count == 4)  // CONNACK and three PUBACKs, in order
    }

    /// What the store held comes back, minus what expired meanwhile.
    @Test func restoredRetainedMessagesAreSeen() throws {
        var harness = BrokerHarness(retainer: retainer { $0.storageType = .disc })
        let expired = ApplicationMessage(
            topic: "old", payload: ByteBuffer(string: "gone"), qos: .atMostOnce, retain: true, expiresAt: harness.now)
        let kept = ApplicationMessage(topic: "new", payload: ByteBuffer(string: "here"), qos: .atLeastOnce, retain: true)
        harness.start(restoring: RestoredState(retained: [expired, kept]))
        #expect(retainedSeen(&harness) == ["new=here"])
    }
}
