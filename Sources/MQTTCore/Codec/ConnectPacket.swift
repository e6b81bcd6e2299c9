import NIOCore

/// CONNECT (§3.1).
public struct ConnectPacket: Sendable, Hashable {
    public var protocolVersion: ProtocolVersion
    public var clientIdentifier: String
    /// Clean Session (3.1.1) / Clean Start (5.0).
    public var cleanStart: Bool
    /// Seconds; 0 turns keep-alive off.
    public var keepAlive: UInt16
    public var username: String?
    public var password: [UInt8]?
    public var will: Will?
    public var properties = MQTTProperties()

    /// The Will Message, sent when the connection ends without a normal DISCONNECT.
    public struct Will: Sendable, Hashable {
        public var topic: String
        public var payload: [UInt8]
        public var qos: QoS
        public var retain: Bool
        public var properties = MQTTProperties()

        public init(
            topic: String, payload: [UInt8], qos: QoS = .atMostOnce, retain: Bool = false, properties: MQTTProperties = MQTTProperties()
        ) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
            self.properties = properties
        }
    }

    public init(
        protocolVersion: ProtocolVersion, clientIdentifier: String, cleanStart: Bool = true, keepAlive: UInt16 = 60,
        username: String? = nil, password: [UInt8]? = nil, will: Will? = nil, properties: MQTTProperties = MQTTProperties()
    ) {
        self.protocolVersion = protocolVersion
        self.clientIdentifier = clientIdentifier
        self.cleanStart = cleanStart
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.will = will
        self.properties = properties
    }

    static func parse(_ buffer: inout ByteBuffer) throws(MQTTCodecError) -> ConnectPacket {
        let name = try buffer.readMQTTString()
        let level = try buffer.readMQTTByte()
        guard name == "MQTT" || name == "MQIsdp" else {
            throw .malformed("the protocol name is \"\(name)\", not MQTT")
        }
        guard let version = ProtocolVersion(rawValue: level), version.protocolName == name else {
            throw MQTTCodecError(.unsupportedProtocolVersion, "protocol level \(level) with name \(name) is not supported")
        }
        let flags = try buffer.readMQTTByte()
        guard flags & 0x01 == 0 else { throw .malformed("the reserved CONNECT flag is set") }
        let hasWill = flags & 0x04 != 0
        guard let willQoS = QoS(rawValue: (flags >> 3) & 0x03) else { throw .malformed("the Will QoS is 3") }
        let willRetain = flags & 0x20 != 0
        if !hasWill && (willQoS != .atMostOnce || willRetain) {
            throw .malformed("Will QoS or Will Retain is set without the Will Flag")
        }
        let hasPassword = flags & 0x40 != 0
        let hasUsername = flags & 0x80 != 0
        if version != .v5 && hasPassword && !hasUsername {
            throw .malformed("a password without a user name (not allowed before MQTT 5)")
        }
        var packet = ConnectPacket(
            protocolVersion: version, clientIdentifier: "", cleanStart: flags & 0x02 != 0, keepAlive: try buffer.readMQTTUInt16()
        )
        if version.hasProperties { packet.properties = try MQTTProperties.parse(from: &buffer, context: .connect) }
        packet.clientIdentifier = try buffer.readMQTTString()
        if hasWill {
            let willProperties = version.hasProperties ? try MQTTProperties.parse(from: &buffer, context: .will) : MQTTProperties()
            let topic = try buffer.readMQTTString()
            try TopicName.validate(topic)
            packet.will = Will(
                topic: topic, payload: try buffer.readMQTTBinary(), qos: willQoS, retain: willRetain, properties: willProperties)
        }
        if hasUsername { packet.username = try buffer.readMQTTString() }
        if hasPassword { packet.password = try buffer.readMQTTBinary() }
        guard buffer.readableBytes == 0 else { throw .malformed("CONNECT has \(buffer.readableBytes) bytes after its payload") }
        return packet
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeMQTTString(protocolVersion.protocolName)
        buffer.writeInteger(protocolVersion.rawValue)
        var flags: UInt8 = cleanStart ? 0x02 : 0
        if let will {
            flags |= 0x04 | (will.qos.rawValue << 3) | (will.retain ? 0x20 : 0)
        }
        if password != nil { flags |= 0x40 }
        if username != nil { flags |= 0x80 }
        buffer.writeInteger(flags)
        buffer.writeInteger(keepAlive, endianness: .big)
        if protocolVersion.hasProperties { properties.write(to: &buffer) }
        buffer.writeMQTTString(clientIdentifier)
        if let will {
            if protocolVersion.hasProperties { will.properties.write(to: &buffer) }
            buffer.writeMQTTString(will.topic)
            buffer.writeMQTTBinary(will.payload)
        }
        if let username { buffer.writeMQTTString(username) }
        if let password { buffer.writeMQTTBinary(password) }
    }
}

/// CONNACK (§3.2).
public struct ConnAckPacket: Sendable, Hashable {
    public var sessionPresent: Bool
    /// 5.0 reason code; for 3.1.1 it is mapped to a return code on the wire.
    public var reasonCode: ReasonCode
    public var properties = MQTTProperties()

    public init(sessionPresent: Bool = false, reasonCode: ReasonCode = .success, properties: MQTTProperties = MQTTProperties()) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }

    static func parse(_ buffer: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> ConnAckPacket {
        let flags = try buffer.readMQTTByte()
        guard flags & 0xFE == 0 else { throw .malformed("reserved CONNACK flags are set") }
        let code = try buffer.readMQTTByte()
        let reason: ReasonCode =
            version.hasProperties
            ? ReasonCode(rawValue: code)
            : [
                ReasonCode.success, .unsupportedProtocolVersion, .clientIdentifierNotValid, .serverUnavailable, .badUserNameOrPassword,
                .notAuthorized,
            ][
                Int(min(code, 5))]
        let properties = version.hasProperties ? try MQTTProperties.parse(from: &buffer, context: .connack) : MQTTProperties()
        return ConnAckPacket(sessionPresent: flags & 1 == 1, reasonCode: reason, properties: properties)
    }

    func write(to buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(UInt8(sessionPresent ? 1 : 0))
        buffer.writeInteger(version.hasProperties ? reasonCode.rawValue : reasonCode.connectReturnCodeV3)
        if version.hasProperties { properties.write(to: &buffer) }
    }
}
