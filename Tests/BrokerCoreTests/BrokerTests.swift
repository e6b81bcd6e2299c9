import ConfigModel
import Logging
import MQTTCore
import NIOCore
import Testing

@testable import BrokerCore

/// The broker core driven directly, as a state machine: no sockets, no event loop. The test
/// plays the clients and the transport through `BrokerHarness`, and moves the clock.
@Suite struct BrokerTests {
    @Test func unacknowledgedMessagesAreResentWithDUPOnResume() throws {
        var harness = BrokerHarness()
        let subscriber = harness.connect("sub", clean: true, expiry: 60)
        harness.subscribe(subscriber, "t", qos: .atLeastOnce)
        let publisher = harness.connect("pub")
        harness.publish(publisher, "t", "one", qos: .atLeastOnce, id: 1)
        let first = try #require(harness[subscriber].publishes.last)
        #expect(!first.duplicate)
        harness.drop(subscriber)  // no PUBACK: it is still in flight

        let again = harness.connect("sub", clean: false, expiry: 60)
        #expect(harness[again].connacks.first?.sessionPresent == true)
        let resent = try #require(harness[again].publishes.first)
        #expect(resent.duplicate)
        #expect(resent.packetIdentifier == first.packetIdentifier)
        #expect(String(buffer: resent.payload) == "one")
    }

    @Test func theInflightWindowQueuesAndTheQueueDropsTheOldest() throws {
        var harness = BrokerHarness {
            $0.maxInflight = 2
            $0.maxMqueueLength = 3
        }
        let subscriber = harness.connect("sub")
        harness.subscribe(subscriber, "t", qos: .atLeastOnce)
        let publisher = harness.connect("pub")
        for index in 1...7 { harness.publish(publisher, "t", "m\(index)", qos: .atLeastOnce, id: UInt16(index)) }
        #expect(harness[subscriber].publishes.map { String(buffer: $0.payload) } == ["m1", "m2"])
        #expect(harness.broker.sessions["sub"]?.queuedCount == 3)
        #expect(harness.broker.messagesDropped == 2)  // m3 and m4 made room for m5…m7

        harness.send(.puback(PubAckPacket(packetIdentifier: harness[subscriber].publishes[0].packetIdentifier!)), from: subscriber)
        #expect(harness[subscriber].publishes.map { String(buffer: $0.payload) } == ["m1", "m2", "m5"])
    }

    /// A busy subscriber (its unsent bytes over high_watermark) costs its own queue: QoS 0 is
    /// dropped unless mqueue_store_qos0, QoS 1 and 2 wait, in order, and go out when it drains.
    /// The publisher is answered all the while: nothing holds it back.
    @Test(arguments: [true, false])
    func aBusySubscriberQueuesWhileThePublisherGoesOn(storeQoS0: Bool) throws {
        var harness = BrokerHarness {
            $0.mqueueStoreQoS0 = storeQoS0
            $0.maxMqueueLength = 3
        }
        let subscriber = harness.connect("sub")
        harness.subscribe(subscriber, "t", qos: .atLeastOnce)
        let publisher = harness.connect("pub")
        harness.setWritable(subscriber, false)
        harness.publish(publisher, "t", "q0", qos: .atMostOnce)
        for index in 1...3 { harness.publish(publisher, "t", "q1-\(index)", qos: .atLeastOnce, id: UInt16(index)) }
        #expect(harness[subscriber].publishes.isEmpty)
        #expect(harness[publisher].sent.filter { if case .puback = $0 { true } else { false } }.count == 3, "the publisher is answered")
        harness.setWritable(subscriber, true)
        // Either way one message is lost: q0 at once without mqueue_store_qos0; with it, q0 is
        // queued and then, the oldest of a full queue (max_mqueue_len 3), dropped for q1-3.
        #expect(harness[subscriber].publishes.map { String(buffer: $0.payload) } == ["q1-1", "q1-2", "q1-3"])
        #expect(harness.broker.messagesDropped == 1)
    }

    /// force_shutdown: a busy connection whose queue passes max_mailbox_size messages (or
    /// max_heap_size bytes) is closed; its session stays, with its queue, for when it is back.
    @Test func aBusyConnectionHoldingTooMuchIsClosed() throws {
        var limits = ForceShutdownConfig()
        limits.maxMailboxSize = 2
        var harness = BrokerHarness(forceShutdown: limits)
        let subscriber = harness.connect("sub", clean: true, expiry: 60)
        harness.subscribe(subscriber, "t", qos: .atLeastOnce)
        let publisher = harness.connect("pub")
        harness.setWritable(subscriber, false)
        for index in 1...2 { harness.publish(publisher, "t", "m\(index)", qos: .atLeastOnce, id: UInt16(index)) }
        #expect(!harness[subscriber].closed)
        harness.publish(publisher, "t", "m3", qos: .atLeastOnce, id: 3)
        #expect(harness[subscriber].closed)
        #expect(!harness[publisher].closed)
        let back = harness.connect("sub", clean: false, expiry: 60)
        #expect(harness[back].publishes.map { String(buffer: $0.payload) } == ["m1", "m2", "m3"])

        var bytes = ForceShutdownConfig()
        bytes.maxHeapSize = 10
        var small = BrokerHarness(forceShutdown: bytes)
        let reader = small.connect("r")
        small.subscribe(reader, "t", qos: .atMostOnce)
        small.setWritable(reader, false)
        small.publish(small.connect("p"), "t", String(repeating: "x", count: 11), qos: .atMostOnce)
        #expect(small[reader].closed)
    }

    /// A busy subscriber's queue drains in order once it is writable again, QoS 0 included.
    @Test func aBusySubscriberGetsItsQueueInOrderWhenItDrains() throws {
        var harness = BrokerHarness()
        let subscriber = harness.connect("sub")
        harness.subscribe(subscriber, "t", qos: .atLeastOnce)
        let publisher = harness.connect("pub")
        harness.setWritable(subscriber, false)
        harness.publish(publisher, "t", "1", qos: .atLeastOnce, id: 1)
        harness.publish(publisher, "t", "2", qos: .atMostOnce)
        harness.publish(publisher, "t", "3", qos: .atLeastOnce, id: 2)
        harness.setWritable(subscriber, true)
        #expect(harness[subscriber].publishes.map { String(buffer: $0.payload) } == ["1", "2", "3"])
        harness.publish(publisher, "t", "4", qos: .atMostOnce)
        #expect(harness[subscriber].publishes.count == 4, "an empty queue: sent at once")
    }

    /// Messages that arrive while older ones wait for the window are queued behind them.
    @Test func aQueueKeepsTheOrder() throws {
        var harness = BrokerHarness { $0.maxInflight = 1 }
        let subscriber = harness.connect("sub")
        harness.subscribe(subscriber, "t", qos: .atLeastOnce)
        let publisher = harness.connect("pub")
        harness.publish(publisher, "t", "1", qos: .atLeastOnce, id: 1)
        harness.publish(publisher, "t", "2", qos: .atLeastOnce, id: 2)  // the window is full: queued
        harness.publish(publisher, "t", "3", qos: .atMostOnce)  // behind it
        #expect(harness[subscriber].publishes.map { String(buffer: $0.payload) } == ["1"])
        harness.send(.puback(PubAckPacket(packetIdentifier: harness[subscriber].publishes[0].packetIdentifier!)), from: subscriber)
        #expect(harness[subscriber].publishes.map { String(buffer: $0.payload) } == ["1", "2", "3"])
    }

    @Test func clientReceiveMaximumLimitsTheWindow() throws {
        var harness = BrokerHarness()
        let subscriber = harness.connect("sub", receiveMaximum: 1)
        harness.subscribe(subscriber, "t", qos: .exactlyOnce)
        let publisher = harness.connect("pub")
        for index in 1...3 { harness.publish(publisher, "t", "m\(index)", qos: .atLeastOnce, id: UInt16(index)) }
        #expect(harness[subscriber].publishes.count == 1)
    }

    @Test func qos2IsRoutedOnceWhateverTheRetransmissions() throws {
        var harness = BrokerHarness()
        let subscriber = harness.connect("sub")
        harness.subscribe(subscriber, "t", qos: .atMostOnce)
        let publisher = harness.connect("pub")
        harness.publish(publisher, "t", "once", qos: .exactlyOnce, id: 9)
        harness.publish(publisher, "t", "once", qos: .exactlyOnce, id: 9)  // a retransmission
        #expect(harness[subscriber].publishes.count == 1)
        #expect(harness[publisher].sent.filter { if case .pubrec = $0 { true } else { false } }.count == 2)
        harness.send(.pubrel(PubAckPacket(packetIdentifier: 9)), from: publisher)
        #expect(harness[publisher].sent.last == .pubcomp(PubAckPacket(packetIdentifier: 9)))
        harness.publish(publisher, "t", "again", qos: .exactlyOnce, id: 9)  // a new message reusing the id
        #expect(harness[subscriber].publishes.count == 2)
    }

    /// 5.0 §3.3.4: more unreleased QoS 2 messages than the advertised Receive Maximum.
    @Test func receiveMaximumIsEnforcedInboundFor5Only() throws {
        for version in [ProtocolVersion.v5, .v3_1_1] {
            var harness = BrokerHarness { $0.maxInflight = 2 }
            let publisher = harness.connect("pub", version: version)
            for id in 1...3 { harness.publish(publisher, "t", "m", qos: .exactlyOnce, id: UInt16(id)) }
            if version == .v5 {
                #expect(harness[publisher].closedWith == .receiveMaximumExceeded)
            } else {
                #expect(!harness[publisher].closed)
                #expect(harness[publisher].sent.filter { if case .pubrec = $0 { true } else { false } }.count == 3)
            }
        }
    }

    @Test func serverKeepAliveIsForV5ClientsOnly() throws {
        var config = MQTTConfig()
        config.serverKeepAlive = 30
        for (version, told) in [(ProtocolVersion.v5, UInt16(30)), (.v3_1_1, nil)] {
            var broker = Broker(config: config, logger: .init(label: "test"))
            var actions = BrokerActions()
            let outcome = broker.connect(
                ConnectPacket(protocolVersion: version, clientIdentifier: "c", keepAlive: 2), on: ConnectionID(1), now: .now(),
                actions: &actions)
            #expect(outcome == .accepted(clientID: "c", keepAlive: told ?? 2))
            guard case .send(.connack(let connack), _) = actions.all.first else { return #expect(Bool(false)) }
            #expect(connack.properties.serverKeepAlive == told)
        }
    }

    @Test func v3UnacknowledgedMessagesAreRetriedAfterRetryInterval() throws {
        var harness = BrokerHarness { $0.retryInterval = .seconds(30) }
        let subscriber = harness.connect("sub", version: .v3_1_1)
        harness.subscribe(subscriber, "t", qos: .atLeastOnce)
        let publisher = harness.connect("pub", version: .v3_1_1)
        harness.publish(publisher, "t", "x", qos: .atLeastOnce, id: 1)
        #expect(harness[subscriber].publishes.count == 1)
        harness.advance(by: .seconds(29))
        #expect(harness[subscriber].publishes.count == 1)
        harness.advance(by: .seconds(2))
        #expect(harness[subscriber].publishes.count == 2)
        #expect(harness[subscriber].publishes.last?.duplicate == true)
    }

    @Test func willDelayAndSessionExpiryRunOnTheClock() throws {
        var harness = BrokerHarness()
        let watcher = harness.connect("watcher")
        harness.subscribe(watcher, "wills/#", qos: .atMostOnce)
        var willProperties = MQTTProperties()
        willProperties.willDelayInterval = 5
        let dying = harness.connect(
            "dying", expiry: 10, will: .init(topic: "wills/dying", payload: Array("gone".utf8), properties: willProperties))
        harness.drop(dying)
        harness.advance(by: .seconds(4))
        #expect(harness[watcher].publishes.isEmpty)
        harness.advance(by: .seconds(2))
        #expect(harness[watcher].publishes.map(\.topicName) == ["wills/dying"])
        #expect(harness.broker.sessions["dying"] != nil)
        harness.advance(by: .seconds(5))
        #expect(harness.broker.sessions["dying"] == nil)
    }

    @Test func aReconnectBeforeTheWillDelayKeepsTheWillBack() throws {
        var harness = BrokerHarness()
        let watcher = harness.connect("watcher")
        harness.subscribe(watcher, "wills/#", qos: .atMostOnce)
        var willProperties = MQTTProperties()
        willProperties.willDelayInterval = 5
        let will = ConnectPacket.Will(topic: "wills/back", payload: Array("gone".utf8), properties: willProperties)
        harness.drop(harness.connect("back", expiry: 60, will: will))
        harness.advance(by: .seconds(2))
        harness.connect("back", clean: false, expiry: 60, will: will)
        harness.advance(by: .seconds(10))
        #expect(harness[watcher].publishes.isEmpty, "the stale will timer finds a newer generation")
    }

    @Test func takeoverClosesTheOldConnectionWithSessionTakenOver() throws {
        var harness = BrokerHarness()
        let first = harness.connect("same")
        let second = harness.connect("same")
        #expect(harness[first].closedWith == .sessionTakenOver)
        #expect(!harness[second].closed)
    }

    /// Subscriptions live in the tree alone; a session only knows which filters to leave.
    @Test func anEndedSessionLeavesTheTree() throws {
        var harness = BrokerHarness()
        let subscriber = harness.connect("sub")
        harness.subscribe(subscriber, "a/+", qos: .atMostOnce)
        harness.subscribe(subscriber, "$share/g/b/#", qos: .atMostOnce)
        #expect(harness.broker.subscriptions.count == 2)
        harness.drop(subscriber)
        #expect(harness.broker.subscriptions.count == 0)
    }

    @Test func limitsFromTheConfigAreEnforced() throws {
        var harness = BrokerHarness {
            $0.maxQoSAllowed = 1
            $0.retainAvailable = false
            $0.maxTopicAlias = 2
        }
        let connection = harness.connect("c")
        let connack = try #require(harness[connection].connacks.first)
        #expect(connack.properties.maximumQoS == 1)
        #expect(connack.properties.retainAvailable == 0)
        #expect(connack.properties.topicAliasMaximum == 2)
        harness.publish(connection, "t", "x", qos: .exactlyOnce, id: 1)
        #expect(harness[connection].closedWith == .qosNotSupported)
        let other = harness.connect("d")
        harness.publish(other, "t", "x", qos: .atMostOnce, retain: true)
        #expect(harness[other].closedWith == .retainNotSupported)
    }

    /// The authorization seam: asked for every PUBLISH and SUBSCRIBE filter.
    @Test func anAuthorizerDecidesPublishAndSubscribe() throws {
        struct OnlyOwnTopics: Authorizer {
            func authorize(_ request: AuthorizationRequest) -> AuthorizationDecision {
                AuthorizationDecision(allowed: request.topic.hasPrefix("\(request.client.clientID)/"), reason: .noMatch)
            }
        }
        var harness = BrokerHarness(authorization: AuthorizationPolicy(authorizer: OnlyOwnTopics()))
        let v5 = harness.connect("a")
        harness.subscribe(v5, "a/#", qos: .atLeastOnce)
        harness.subscribe(v5, "b/#", qos: .atLeastOnce)
        #expect(harness[v5].subacks.map(\.reasonCodes) == [[.grantedQoS1], [.notAuthorized]])
        harness.publish(v5, "b/x", "no", qos: .atLeastOnce, id: 1)
        #expect(harness[v5].sent.last == .puback(PubAckPacket(packetIdentifier: 1, reasonCode: .notAuthorized)))
        harness.publish(v5, "a/x", "yes", qos: .atLeastOnce, id: 2)
        #expect(harness[v5].publishes.map(\.topicName) == ["a/x"])

        let v3 = harness.connect("b", version: .v3_1_1)
        harness.subscribe(v3, "a/#", qos: .atMostOnce)
        #expect(harness[v3].subacks.first?.reasonCodes == [ReasonCode(rawValue: 0x80)])
    }
}
