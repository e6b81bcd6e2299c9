import BrokerCore
import ConfigModel
import Logging
import MQTTCore
import NIOCore
import NIOEmbedded
import Testing

@testable import BrokerRuntime

/// `MQTTConnectionHandler` and `BrokerDriver` in process: clients on embedded channels of one
/// embedded event loop, whose clock the test moves. Bytes in, bytes out, as on a socket.
@Suite struct MQTTConnectionHandlerTests {
    let loop = EmbeddedEventLoop()
    let driver: BrokerDriver
    let port: LoopPort

    init() {
        var config = MQTTConfig()
        config.idleTimeout = .seconds(5)
        driver = BrokerDriver(broker: Broker(config: config, logger: Logger(label: "test")), eventLoop: loop)
        port = LoopPort(driver: driver, config: config)
    }

    /// A client on its own embedded channel, reading what the broker sends with a client parser.
    struct Client {
        let channel: EmbeddedChannel
        let version: ProtocolVersion
        var parser: MQTTPacketParser

        init(_ test: MQTTConnectionHandlerTests, listener: ListenerState, version: ProtocolVersion = .v5, port: Int = 50000) throws {
            channel = EmbeddedChannel(loop: test.loop)
            self.version = version
            parser = MQTTPacketParser(version: version)
            try channel.pipeline.syncOperations.addHandler(MQTTConnectionHandler(port: test.port, listener: listener))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: port)).wait()
        }

        func send(_ packet: MQTTPacket) throws {
            var buffer = ByteBuffer()
            MQTTPacketEncoder.encode(packet, version: version, into: &buffer)
            try channel.writeInbound(buffer)
        }

        func send(bytes: [UInt8]) throws { try channel.writeInbound(ByteBuffer(bytes: bytes)) }

        /// Every packet written to the client so far.
        mutating func received() throws -> [MQTTPacket] {
            var packets: [MQTTPacket] = []
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                while let packet = try parser.parse(&buffer) { packets.append(packet) }
            }
            return packets
        }

        mutating func connect(_ clientID: String, keepAlive: UInt16 = 60) throws -> [MQTTPacket] {
            try send(.connect(ConnectPacket(protocolVersion: version, clientIdentifier: clientID, keepAlive: keepAlive)))
            return try received()
        }
    }

    func listener(_ configure: (inout ListenerStateSettings) -> Void = { _ in }) -> ListenerState {
        var settings = ListenerStateSettings()
        configure(&settings)
        return ListenerState(
            id: "tcp:test", maxConnections: settings.maxConnections, accessRules: settings.accessRules, sendTimeout: settings.sendTimeout)
    }

    struct ListenerStateSettings {
        var maxConnections: Int?
        var accessRules: [AccessRule] = []
        var sendTimeout = TimeAmount.seconds(15)
    }

    @Test func connectThenKeepAliveTimesOutAtOneAndAHalfTimes() throws {
        var client = try Client(self, listener: listener())
        let connack = try client.connect("c", keepAlive: 10)
        guard case .connack(let ack)? = connack.first else { return #expect(Bool(false), "\(connack)") }
        #expect(ack.reasonCode == .success)
        loop.advanceTime(by: .seconds(14))
        #expect(client.channel.isActive)
        try client.send(.pingreq)
        #expect(try client.received() == [.pingresp])
        loop.advanceTime(by: .seconds(14))  // 15 s after the PINGREQ is not yet 1.5 × 10 s
        #expect(client.channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(try client.received() == [.disconnect(DisconnectPacket(reasonCode: .keepAliveTimeout))])
        #expect(!client.channel.isActive)
    }

    @Test func noConnectWithinIdleTimeoutCloses() throws {
        let client = try Client(self, listener: listener())
        loop.advanceTime(by: .seconds(4))
        #expect(client.channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!client.channel.isActive)
    }

    @Test func codecErrorsGetTheirReasonCodes() throws {
        var v5 = try Client(self, listener: listener())
        _ = try v5.connect("v5")
        try v5.send(bytes: [0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01])  // PUBLISH with QoS 3
        #expect(try v5.received() == [.disconnect(DisconnectPacket(reasonCode: .malformedPacket))])
        #expect(!v5.channel.isActive)

        var first = try Client(self, listener: listener(), version: .v3_1_1)
        try first.send(.pingreq)
        #expect(try first.received().isEmpty)
        #expect(!first.channel.isActive, "the first packet must be CONNECT")
    }

    @Test func accessRulesAndMaxConnectionsAreCheckedAtAccept() throws {
        let denying = listener { $0.accessRules = [AccessRule(parsing: "allow 10.0.0.0/8")!, AccessRule(parsing: "deny all")!] }
        let denied = try Client(self, listener: denying)
        #expect(!denied.channel.isActive)

        let small = listener { $0.maxConnections = 1 }
        let first = try Client(self, listener: small)
        let second = try Client(self, listener: small, port: 50001)
        #expect(first.channel.isActive)
        #expect(!second.channel.isActive)
        #expect(small.connections == 1)
        _ = try first.channel.close().wait()
        #expect(small.connections == 0)
    }

    @Test func aTLSClientHelloOnThePlaintextPortIsRefused() throws {
        let client = try Client(self, listener: listener())
        try client.send(bytes: [0x16, 0x03, 0x01, 0x00, 0x05])
        #expect(!client.channel.isActive)
    }

    /// A PUBLISH from one connection reaches a subscriber on another, flushed at the end of
    /// the publisher's read burst.
    @Test func messagesAreRoutedBetweenConnections() throws {
        let listener = listener()
        var subscriber = try Client(self, listener: listener)
        _ = try subscriber.connect("sub")
        try subscriber.send(.subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [.init(topicFilter: "t/#", qos: .atMostOnce)])))
        #expect(try subscriber.received().count == 1)
        var publisher = try Client(self, listener: listener, port: 50002)
        _ = try publisher.connect("pub")
        try publisher.send(.publish(PublishPacket(topicName: "t/1", payload: ByteBuffer(string: "hello"), qos: .atMostOnce)))
        guard case .publish(let delivered)? = try subscriber.received().first else { return #expect(Bool(false)) }
        #expect(String(buffer: delivered.payload) == "hello")
    }
}
