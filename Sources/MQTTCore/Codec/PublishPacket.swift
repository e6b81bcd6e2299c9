public import NIOCore

/// PUBLISH (§3.3).
public struct PublishPacket: Sendable, Hashable {
    /// Empty only in 5.0, when a Topic Alias names the topic.
    public var topicName: String
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    public var duplicate: Bool
    /// Present exactly when QoS > 0.
    public var packetIdentifier: UInt16?
    public var properties = MQTTProperties()

    public init(
        topicName: String, payload: ByteBuffer, qos: QoS = .atMostOnce, retain: Bool = false, duplicate: Bool = false,
        packetIdentifier: UInt16? = nil, properties: MQTTProperties = MQTTProperties()
    ) {
        self.topicName = topicName
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.duplicate = duplicate
        self.packetIdentifier = packetIdentifier
        self.properties = properties
    }

    static func parse(_ buffer: inout ByteBuffer, flags: UInt8, version: ProtocolVersion) throws(MQTTCodecError) -> PublishPacket {
        guard let qos = QoS(rawValue: (flags >> 1) & 0x03) else { throw .malformed("PUBLISH with QoS 3") }
        let duplicate = flags & 0x08 != 0
        if qos == .atMostOnce && duplicate { throw .malformed("DUP set on a QoS 0 PUBLISH") }
        let topic = try buffer.readMQTTString()
        if !(topic.isEmpty && version.hasProperties) { try TopicName.validate(topic) }
        var identifier: UInt16?
        if qos != .atMostOnce {
            identifier = try buffer.readMQTTUInt16()
            guard identifier != 0 else { throw .malformed("a packet identifier of 0") }
        }
        let properties = version.hasProperties ? try MQTTProperties.parse(from: &buffer, context: .publish) : MQTTProperties()
        if topic.isEmpty && properties.topicAlias == nil {
            throw .protocolError("an empty topic name without a Topic Alias")
        }
        let payload = buffer.readSlice(length: buffer.readableBytes)!
        return PublishPacket(
            topicName: topic, payload: payload, qos: qos, retain: flags & 0x01 != 0, duplicate: duplicate,
            packetIdentifier: identifier, properties: properties
        )
    }

    var flags: UInt8 { (duplicate ? 0x08 : 0) | (qos.rawValue << 1) | (retain ? 0x01 : 0) }

    func write(to buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeMQTTString(topicName)
        if qos != .atMostOnce { buffer.writeInteger(packetIdentifier ?? 0, endianness: .big) }
        if version.hasProperties { properties.write(to: &buffer) }
        buffer.writeImmutableBuffer(payload)
    }

    package func bodySize(version: ProtocolVersion) -> Int {
        2 + topicName.utf8.count + (qos == .atMostOnce ? 0 : 2) + (version.hasProperties ? properties.encodedSize : 0)
            + payload.readableBytes
    }
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP (§3.4–3.7): a packet identifier and, in 5.0, an
/// optional reason code and properties.
public struct PubAckPacket: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var reasonCode: ReasonCode
    public var properties = MQTTProperties()

    public init(packetIdentifier: UInt16, reasonCode: ReasonCode = .success, properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }

    static func parse(_ buffer: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> PubAckPacket {
        let identifier = try buffer.readMQTTUInt16()
        guard identifier != 0 else { throw .malformed("a packet identifier of 0") }
        var packet = PubAckPacket(packetIdentifier: identifier)
        if version.hasProperties && buffer.readableBytes > 0 {
            packet.reasonCode = ReasonCode(rawValue: try buffer.readMQTTByte())
            if buffer.readableBytes > 0 { packet.properties = try MQTTProperties.parse(from: &buffer, context: .pubResponse) }
        }
        guard buffer.readableBytes == 0 else { throw .malformed("extra bytes after a publish acknowledgement") }
        return packet
    }

    func write(to buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(packetIdentifier, endianness: .big)
        guard version.hasProperties, reasonCode != .success || !properties.isEmpty else { return }
        buffer.writeInteger(reasonCode.rawValue)
        if !properties.isEmpty { properties.write(to: &buffer) }
    }
}
