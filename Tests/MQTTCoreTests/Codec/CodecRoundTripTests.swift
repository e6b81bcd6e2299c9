import MQTTCore
import NIOCore
import Testing

/// Every packet type, encoded and parsed back, in 3.1.1 and 5.0; and every encoding fed to
/// the parser one byte at a time and several to a buffer.
@Suite struct CodecRoundTripTests {
    static func properties() -> MQTTProperties {
        var properties = MQTTProperties()
        properties.reasonString = "because"
        properties.userProperties = [.init("k", "v"), .init("k", "v2")]
        return properties
    }

    static func packets(_ version: ProtocolVersion) -> [MQTTPacket] {
        let v5 = version == .v5
        var connectProperties = MQTTProperties()
        if v5 {
            connectProperties.sessionExpiryInterval = 3600
            connectProperties.receiveMaximum = 20
            connectProperties.maximumPacketSize = 65536
            connectProperties.topicAliasMaximum = 10
            connectProperties.userProperties = [.init("a", "b")]
        }
        var willProperties = MQTTProperties()
        if v5 {
            willProperties.willDelayInterval = 5
            willProperties.contentType = "text/plain"
        }
        var publishProperties = MQTTProperties()
        if v5 {
            publishProperties.messageExpiryInterval = 60
            publishProperties.responseTopic = "reply/to"
            publishProperties.correlationData = [1, 2, 3]
            publishProperties.payloadFormatIndicator = 1
            publishProperties.topicAlias = 3
            publishProperties.subscriptionIdentifiers = [7, 300]
            publishProperties.userProperties = [.init("x", "y")]
        }
        var connackProperties = MQTTProperties()
        if v5 {
            connackProperties.assignedClientIdentifier = "auto-1"
            connackProperties.serverKeepAlive = 30
            connackProperties.maximumQoS = 1
            connackProperties.retainAvailable = 0
            connackProperties.sharedSubscriptionAvailable = 1
        }
        let extra = v5 ? properties() : MQTTProperties()
        var subscribeProperties = MQTTProperties()
        if v5 { subscribeProperties.subscriptionIdentifiers = [42] }
        let payload = ByteBuffer(bytes: Array("hello, world".utf8))
        return [
            .connect(
                ConnectPacket(
                    protocolVersion: version, clientIdentifier: "client-1", cleanStart: false, keepAlive: 30, username: "user",
                    password: [0, 1, 2],
                    will: .init(topic: "will/topic", payload: [9, 9], qos: .atLeastOnce, retain: true, properties: willProperties),
                    properties: connectProperties
                )
            ),
            .connect(ConnectPacket(protocolVersion: version, clientIdentifier: "", cleanStart: true, keepAlive: 0)),
            .connack(ConnAckPacket(sessionPresent: true, reasonCode: .success, properties: connackProperties)),
            .connack(ConnAckPacket(sessionPresent: false, reasonCode: .badUserNameOrPassword)),
            .publish(PublishPacket(topicName: "a/b", payload: payload, qos: .atMostOnce, retain: true)),
            .publish(
                PublishPacket(
                    topicName: "a/b", payload: payload, qos: .atLeastOnce, duplicate: true, packetIdentifier: 7,
                    properties: publishProperties)),
            .publish(PublishPacket(topicName: "ü/ñ", payload: ByteBuffer(), qos: .exactlyOnce, packetIdentifier: 65535)),
            .puback(PubAckPacket(packetIdentifier: 1)),
            .puback(PubAckPacket(packetIdentifier: 2, reasonCode: v5 ? .noMatchingSubscribers : .success)),
            .pubrec(PubAckPacket(packetIdentifier: 3, reasonCode: v5 ? .quotaExceeded : .success, properties: extra)),
            .pubrel(PubAckPacket(packetIdentifier: 4)),
            .pubcomp(PubAckPacket(packetIdentifier: 5)),
            .subscribe(
                SubscribePacket(
                    packetIdentifier: 6,
                    subscriptions: [
                        .init(topicFilter: "a/+/c", qos: .atLeastOnce),
                        .init(topicFilter: "$share/g/#", qos: .exactlyOnce, noLocal: v5, retainAsPublished: v5, retainHandling: v5 ? 2 : 0),
                    ],
                    properties: subscribeProperties
                )
            ),
            .suback(SubAckPacket(packetIdentifier: 6, reasonCodes: [.grantedQoS1, .grantedQoS2, .unspecifiedError], properties: extra)),
            .unsubscribe(
                UnsubscribePacket(
                    packetIdentifier: 8, topicFilters: ["a/+/c", "x"],
                    properties: v5 ? MQTTProperties(userProperties: [.init("u", "p")]) : MQTTProperties())),
            .unsuback(SubAckPacket(packetIdentifier: 8, reasonCodes: v5 ? [.success, .noSubscriptionExisted] : [], properties: extra)),
            .pingreq,
            .pingresp,
            .disconnect(DisconnectPacket()),
        ]
            + (v5
                ? [
                    .disconnect(DisconnectPacket(reasonCode: .sessionTakenOver, properties: extra)),
                    .auth(DisconnectPacket(reasonCode: .continueAuthentication)),
                ] : [])
    }

    static func encode(_ packet: MQTTPacket, _ version: ProtocolVersion) -> ByteBuffer {
        var buffer = ByteBuffer()
        MQTTPacketEncoder.encode(packet, version: version, into: &buffer)
        return buffer
    }

    /// Parses `bytes` after CONNECT has set the version (a CONNECT packet sets it itself).
    static func parser(_ version: ProtocolVersion, for packet: MQTTPacket) -> MQTTPacketParser {
        if case .connect = packet { return MQTTPacketParser() }
        return MQTTPacketParser(version: version)
    }

    @Test(arguments: [ProtocolVersion.v3_1_1, .v5, .v3_1])
    func everyPacketRoundTrips(_ version: ProtocolVersion) throws {
        for packet in Self.packets(version) {
            var buffer = Self.encode(packet, version)
            var parser = Self.parser(version, for: packet)
            let parsed = try parser.parse(&buffer)
            #expect(parsed == packet, "\(packet.name) in \(version)")
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test(arguments: [ProtocolVersion.v3_1_1, .v5])
    func dripFeedOneByteAtATime(_ version: ProtocolVersion) throws {
        for packet in Self.packets(version) {
            let bytes = Array(Self.encode(packet, version).readableBytesView)
            var parser = Self.parser(version, for: packet)
            var buffer = ByteBuffer()
            var result: MQTTPacket?
            for (index, byte) in bytes.enumerated() {
                buffer.writeInteger(byte)
                result = try parser.parse(&buffer)
                if index < bytes.count - 1 {
                    #expect(result == nil, "\(packet.name) parsed early at byte \(index)")
                    #expect(buffer.readerIndex == 0, "nothing is consumed before a whole packet arrives")
                }
            }
            #expect(result == packet, "\(packet.name)")
        }
    }

    @Test(arguments: [ProtocolVersion.v3_1_1, .v5])
    func manyPacketsInOneBuffer(_ version: ProtocolVersion) throws {
        let packets = Self.packets(version).filter { if case .connect = $0 { false } else { true } }
        var buffer = ByteBuffer()
        for packet in packets { MQTTPacketEncoder.encode(packet, version: version, into: &buffer) }
        var parser = MQTTPacketParser(version: version)
        var parsed: [MQTTPacket] = []
        while let packet = try parser.parse(&buffer) { parsed.append(packet) }
        #expect(parsed == packets)
    }

    @Test func connectSetsTheVersionForWhatFollows() throws {
        var buffer = Self.encode(.connect(ConnectPacket(protocolVersion: .v5, clientIdentifier: "c")), .v5)
        MQTTPacketEncoder.encode(.disconnect(DisconnectPacket(reasonCode: .disconnectWithWillMessage)), version: .v5, into: &buffer)
        var parser = MQTTPacketParser()
        _ = try parser.parse(&buffer)
        #expect(parser.version == .v5)
        #expect(try parser.parse(&buffer) == .disconnect(DisconnectPacket(reasonCode: .disconnectWithWillMessage)))
    }

    @Test func v3ConnackAndSubackUseTheOldCodes() throws {
        let connack = Array(Self.encode(.connack(ConnAckPacket(reasonCode: .notAuthorized)), .v3_1_1).readableBytesView)
        #expect(connack == [0x20, 0x02, 0x00, 0x05])
        let suback = Array(
            Self.encode(.suback(SubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS1, .topicFilterInvalid])), .v3_1_1)
                .readableBytesView)
        #expect(suback == [0x90, 0x04, 0x00, 0x01, 0x01, 0x80])
    }

    @Test func largeVariableByteIntegers() throws {
        let payload = ByteBuffer(repeating: 0x61, count: 2_100_000)
        let packet = MQTTPacket.publish(PublishPacket(topicName: "t", payload: payload))
        var buffer = Self.encode(packet, .v3_1_1)
        #expect(buffer.getInteger(at: 1, as: UInt8.self)! & 0x80 != 0)
        var parser = MQTTPacketParser(limits: MQTTDecoderLimits(maximumPacketSize: 4 << 20), version: .v3_1_1)
        #expect(try parser.parse(&buffer) == packet)
    }
}

extension MQTTProperties {
    init(userProperties: [UserProperty]) {
        self.init()
        self.userProperties = userProperties
    }
}
