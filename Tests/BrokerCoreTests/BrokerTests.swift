import ConfigModel
import Logging
import MQTTCore
import NIOCore
import NIOEmbedded
import Testing

@testable import BrokerCore

/// The broker's protocol logic driven directly, without sockets: the test plays the clients
/// through `RecordingConnection`, a transport that keeps what the broker sends, and an
/// embedded event loop whose clock the test moves.
@Suite struct BrokerTests {
    let loop = EmbeddedEventLoop()

    func broker(_ configure: (inout MQTTConfig) -> Void = { _ in }) -> Broker {
        var config = MQTTConfig()
        configure(&config)
        return Broker(config: config, eventLoop: loop, logger: Logger(label: "test"))
    }

    func connect(
        _ broker: Broker, _ id: String, version: ProtocolVersion = .v5, clean: Bool = true, expiry: UInt32? = nil,
        receiveMaximum: UInt16? = nil
    ) -> (Session, RecordingConnection) {
        let connection = RecordingConnection(version: version)
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = expiry
        properties.receiveMaximum = receiveMaximum
        let accepted = broker.connect(
            ConnectPacket(
                protocolVersion: version, clientIdentifier: id, cleanStart: clean,
                properties: version == .v5 ? properties : MQTTProperties()), on: connection)!
        broker.flushPending()
        return (accepted.session, connection)
    }

    func publish(
        _ broker: Broker, _ session: Session, _ connection: RecordingConnection, _ topic: String, _ text: String, qos: QoS,
        id: UInt16? = nil
    ) {
        broker.publish(
            PublishPacket(topicName: topic, payload: ByteBuffer(string: text), qos: qos, packetIdentifier: id), from: session,
            connection: connection)
        broker.flushPending()
    }

    func subscribe(_ broker: Broker, _ session: Session, _ connection: RecordingConnection, _ filter: String, qos: QoS) {
        broker.subscribe(
            SubscribePacket(packetIdentifier: 1, subscriptions: [.init(topicFilter: filter, qos: qos)]), from: session,
            connection: connection)
        broker.flushPending()
    }

    @Test func unacknowledgedMessagesAreResentWithDUPOnResume() throws {
        let broker = broker()
        let (subscriber, subscriberConnection) = connect(broker, "sub", clean: true, expiry: 60)
        subscribe(broker, subscriber, subscriberConnection, "t", qos: .atLeastOnce)
        let (publisher, publisherConnection) = connect(broker, "pub")
        publish(broker, publisher, publisherConnection, "t", "one", qos: .atLeastOnce, id: 1)
        let first = try #require(subscriberConnection.publishes.last)
        #expect(!first.duplicate)
        broker.connectionLost(subscriber, connection: subscriberConnection)  // no PUBACK: it is still in flight

        let (_, again) = connect(broker, "sub", clean: false, expiry: 60)
        #expect(again.connacks.first?.sessionPresent == true)
        let resent = try #require(again.publishes.first)
        #expect(resent.duplicate)
        #expect(resent.packetIdentifier == first.packetIdentifier)
        #expect(String(buffer: resent.payload) == "one")
    }

    @Test func theInflightWindowQueuesAndTheQueueDropsTheOldest() throws {
        let broker = broker {
            $0.maxInflight = 2
            $0.maxMqueueLength = 3
        }
        let (subscriber, subscriberConnection) = connect(broker, "sub")
        subscribe(broker, subscriber, subscriberConnection, "t", qos: .atLeastOnce)
        let (publisher, publisherConnection) = connect(broker, "pub")
        for index in 1...7 { publish(broker, publisher, publisherConnection, "t", "m\(index)", qos: .atLeastOnce, id: UInt16(index)) }
        #expect(subscriberConnection.publishes.map { String(buffer: $0.payload) } == ["m1", "m2"])
        #expect(subscriber.queue.count == 3)
        #expect(broker.messagesDropped == 2)  // m3 and m4 made room for m5…m7

        broker.acknowledge(
            .puback(PubAckPacket(packetIdentifier: subscriberConnection.publishes[0].packetIdentifier!)), from: subscriber,
            connection: subscriberConnection)
        broker.flushPending()
        #expect(subscriberConnection.publishes.map { String(buffer: $0.payload) } == ["m1", "m2", "m5"])
    }

    @Test func aSubscriberThatFallsBehindPausesItsPublisherForABoundedTime() throws {
        let broker = broker { $0.maxInflight = 1 }
        let (subscriber, subscriberConnection) = connect(broker, "sub")
        subscribe(broker, subscriber, subscriberConnection, "t", qos: .atLeastOnce)
        let (publisher, publisherConnection) = connect(broker, "pub")
        broker.currentPublisher = publisherConnection
        publish(broker, publisher, publisherConnection, "t", "1", qos: .atLeastOnce, id: 1)
        #expect(!publisherConnection.readingPaused)
        publish(broker, publisher, publisherConnection, "t", "2", qos: .atLeastOnce, id: 2)  // the window is full: queued
        #expect(publisherConnection.readingPaused)
        broker.acknowledge(
            .puback(PubAckPacket(packetIdentifier: subscriberConnection.publishes[0].packetIdentifier!)), from: subscriber,
            connection: subscriberConnection)
        #expect(!publisherConnection.readingPaused, "caught up: reading resumes")

        publish(broker, publisher, publisherConnection, "t", "3", qos: .atLeastOnce, id: 3)
        #expect(publisherConnection.readingPaused)
        loop.advanceTime(by: .milliseconds(100))
        #expect(!publisherConnection.readingPaused, "a subscriber that never acknowledges holds publishers back 100 ms at most")
        broker.currentPublisher = nil
    }

    @Test func clientReceiveMaximumLimitsTheWindow() throws {
        let broker = broker()
        let (subscriber, subscriberConnection) = connect(broker, "sub", receiveMaximum: 1)
        subscribe(broker, subscriber, subscriberConnection, "t", qos: .exactlyOnce)
        let (publisher, publisherConnection) = connect(broker, "pub")
        for index in 1...3 { publish(broker, publisher, publisherConnection, "t", "m\(index)", qos: .atLeastOnce, id: UInt16(index)) }
        #expect(subscriberConnection.publishes.count == 1)
    }

    @Test func qos2IsRoutedOnceWhateverTheRetransmissions() throws {
        let broker = broker()
        let (subscriber, subscriberConnection) = connect(broker, "sub")
        subscribe(broker, subscriber, subscriberConnection, "t", qos: .atMostOnce)
        let (publisher, publisherConnection) = connect(broker, "pub")
        publish(broker, publisher, publisherConnection, "t", "once", qos: .exactlyOnce, id: 9)
        publish(broker, publisher, publisherConnection, "t", "once", qos: .exactlyOnce, id: 9)  // a retransmission
        #expect(subscriberConnection.publishes.count == 1)
        #expect(publisherConnection.sent.filter { if case .pubrec = $0 { true } else { false } }.count == 2)
        broker.acknowledge(.pubrel(PubAckPacket(packetIdentifier: 9)), from: publisher, connection: publisherConnection)
        broker.flushPending()
        #expect(publisherConnection.sent.last == .pubcomp(PubAckPacket(packetIdentifier: 9)))
        publish(broker, publisher, publisherConnection, "t", "again", qos: .exactlyOnce, id: 9)  // a new message reusing the id
        #expect(subscriberConnection.publishes.count == 2)
    }

    @Test func v3UnacknowledgedMessagesAreRetriedAfterRetryInterval() throws {
        let broker = broker { $0.retryInterval = .seconds(30) }
        let (subscriber, subscriberConnection) = connect(broker, "sub", version: .v3_1_1)
        subscribe(broker, subscriber, subscriberConnection, "t", qos: .atLeastOnce)
        let (publisher, publisherConnection) = connect(broker, "pub", version: .v3_1_1)
        publish(broker, publisher, publisherConnection, "t", "x", qos: .atLeastOnce, id: 1)
        #expect(subscriberConnection.publishes.count == 1)
        loop.advanceTime(by: .seconds(29))
        #expect(subscriberConnection.publishes.count == 1)
        loop.advanceTime(by: .seconds(2))
        #expect(subscriberConnection.publishes.count == 2)
        #expect(subscriberConnection.publishes.last?.duplicate == true)
    }

    @Test func willDelayAndSessionExpiryRunOnTheClock() throws {
        let broker = broker()
        let (watcher, watcherConnection) = connect(broker, "watcher")
        subscribe(broker, watcher, watcherConnection, "wills/#", qos: .atMostOnce)
        let connection = RecordingConnection(version: .v5)
        var willProperties = MQTTProperties()
        willProperties.willDelayInterval = 5
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 10
        let accepted = broker.connect(
            ConnectPacket(
                protocolVersion: .v5, clientIdentifier: "dying",
                will: .init(topic: "wills/dying", payload: Array("gone".utf8), properties: willProperties), properties: properties),
            on: connection
        )!
        broker.connectionLost(accepted.session, connection: connection)
        loop.advanceTime(by: .seconds(4))
        #expect(watcherConnection.publishes.isEmpty)
        loop.advanceTime(by: .seconds(2))
        #expect(watcherConnection.publishes.map(\.topicName) == ["wills/dying"])
        #expect(broker.sessions["dying"] != nil)
        loop.advanceTime(by: .seconds(5))
        #expect(broker.sessions["dying"] == nil)
    }

    @Test func takeoverClosesTheOldConnectionWithSessionTakenOver() throws {
        let broker = broker()
        let (_, first) = connect(broker, "same")
        let (_, second) = connect(broker, "same")
        #expect(first.closedWith == .sessionTakenOver)
        #expect(second.closedWith == nil)
    }

    @Test func limitsFromTheConfigAreEnforced() throws {
        let broker = broker {
            $0.maxQoSAllowed = 1
            $0.retainAvailable = false
            $0.maxTopicAlias = 2
        }
        let (session, connection) = connect(broker, "c")
        let connack = try #require(connection.connacks.first)
        #expect(connack.properties.maximumQoS == 1)
        #expect(connack.properties.retainAvailable == 0)
        #expect(connack.properties.topicAliasMaximum == 2)
        publish(broker, session, connection, "t", "x", qos: .exactlyOnce, id: 1)
        #expect(connection.closedWith == .qosNotSupported)
        let (other, otherConnection) = connect(broker, "d")
        broker.publish(
            PublishPacket(topicName: "t", payload: ByteBuffer(string: "x"), retain: true), from: other, connection: otherConnection)
        #expect(otherConnection.closedWith == .retainNotSupported)
    }
}

/// A transport that records what the broker sends; the test plays the peer.
final class RecordingConnection: MQTTConnection {
    let protocolVersion: ProtocolVersion
    private(set) var sent: [MQTTPacket] = []
    private(set) var closedWith: ReasonCode?
    private(set) var closed = false

    init(version: ProtocolVersion) { protocolVersion = version }

    func send(_ packet: MQTTPacket) { sent.append(packet) }
    func flush() {}
    var isWritable = true
    private(set) var readingPaused = false
    func pauseReading() { readingPaused = true }
    func resumeReading() { readingPaused = false }
    func close(reason: ReasonCode?) {
        closed = true
        closedWith = reason
    }

    var publishes: [PublishPacket] { sent.compactMap { if case .publish(let publish) = $0 { publish } else { nil } } }
    var connacks: [ConnAckPacket] { sent.compactMap { if case .connack(let connack) = $0 { connack } else { nil } } }
}
