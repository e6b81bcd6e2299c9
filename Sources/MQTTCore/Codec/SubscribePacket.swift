import NIOCore

/// SUBSCRIBE (§3.8).
public struct SubscribePacket: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var subscriptions: [Subscription]
    public var properties = MQTTProperties()

    /// One topic filter and its options.
    public struct Subscription: Sendable, Hashable {
        public var topicFilter: String
        public var qos: QoS
        /// 5.0: do not send the subscriber's own publications back.
        public var noLocal = false
        /// 5.0: keep the RETAIN flag as published.
        public var retainAsPublished = false
        /// 5.0: 0 send retained on subscribe, 1 only on a new subscription, 2 never.
        public var retainHandling: UInt8 = 0

        public init(topicFilter: String, qos: QoS, noLocal: Bool = false, retainAsPublished: Bool = false, retainHandling: UInt8 = 0) {
            self.topicFilter = topicFilter
            self.qos = qos
            self.noLocal = noLocal
            self.retainAsPublished = retainAsPublished
            self.retainHandling = retainHandling
        }
    }

    public init(packetIdentifier: UInt16, subscriptions: [Subscription], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.subscriptions = subscriptions
        self.properties = properties
    }

    static func parse(_ buffer: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> SubscribePacket {
        let identifier = try buffer.readMQTTUInt16()
        guard identifier != 0 else { throw .malformed("a packet identifier of 0") }
        let properties = version.hasProperties ? try MQTTProperties.parse(from: &buffer, context: .subscribe) : MQTTProperties()
        var subscriptions: [Subscription] = []
        while buffer.readableBytes > 0 {
            let filter = try buffer.readMQTTString()
            let options = try buffer.readMQTTByte()
            guard let qos = QoS(rawValue: options & 0x03) else { throw .malformed("a subscription with QoS 3") }
            if version.hasProperties {
                guard options & 0xC0 == 0 else { throw .malformed("reserved subscription option bits are set") }
                let handling = (options >> 4) & 0x03
                guard handling < 3 else { throw .protocolError("Retain Handling 3") }
                subscriptions.append(
                    Subscription(
                        topicFilter: filter, qos: qos, noLocal: options & 0x04 != 0, retainAsPublished: options & 0x08 != 0,
                        retainHandling: handling)
                )
            } else {
                guard options & 0xFC == 0 else { throw .malformed("reserved subscription option bits are set") }
                subscriptions.append(Subscription(topicFilter: filter, qos: qos))
            }
        }
        guard !subscriptions.isEmpty else { throw .protocolError("SUBSCRIBE with no topic filters") }
        return SubscribePacket(packetIdentifier: identifier, subscriptions: subscriptions, properties: properties)
    }

    func write(to buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(packetIdentifier, endianness: .big)
        if version.hasProperties { properties.write(to: &buffer) }
        for subscription in subscriptions {
            buffer.writeMQTTString(subscription.topicFilter)
            buffer.writeInteger(version.hasProperties ? subscription.optionsByte : subscription.qos.rawValue)
        }
    }
}

/// SUBACK (§3.9) and UNSUBACK (§3.11): a packet identifier and one reason code per filter
/// (UNSUBACK has none in 3.1.1).
public struct SubAckPacket: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var reasonCodes: [ReasonCode]
    public var properties = MQTTProperties()

    public init(packetIdentifier: UInt16, reasonCodes: [ReasonCode], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }

    static func parse(_ buffer: inout ByteBuffer, version: ProtocolVersion, context: MQTTProperties.Context) throws(MQTTCodecError)
        -> SubAckPacket
    {
        let identifier = try buffer.readMQTTUInt16()
        let properties = version.hasProperties ? try MQTTProperties.parse(from: &buffer, context: context) : MQTTProperties()
        var codes: [ReasonCode] = []
        if context == .unsuback && !version.hasProperties {
            guard buffer.readableBytes == 0 else { throw .malformed("UNSUBACK has no reason codes before MQTT 5") }
        }
        while buffer.readableBytes > 0 {
            let code = try buffer.readMQTTByte()
            // 3.1.1 SUBACK return codes: 0, 1 and 2 grant a QoS; 0x80 is failure.
            if !version.hasProperties && code > 2 && code != 0x80 {
                throw .malformed("SUBACK return code 0x\(String(code, radix: 16)) does not exist before MQTT 5")
            }
            codes.append(ReasonCode(rawValue: code))
        }
        return SubAckPacket(packetIdentifier: identifier, reasonCodes: codes, properties: properties)
    }

    func write(to buffer: inout ByteBuffer, version: ProtocolVersion, includeCodes: Bool = true) {
        buffer.writeInteger(packetIdentifier, endianness: .big)
        if version.hasProperties { properties.write(to: &buffer) }
        if includeCodes {
            for code in reasonCodes {
                // 3.1.1 SUBACK: 0x00–0x02 granted, 0x80 failure.
                buffer.writeInteger(version.hasProperties || !code.isError ? code.rawValue : 0x80)
            }
        }
    }
}

/// UNSUBSCRIBE (§3.10).
public struct UnsubscribePacket: Sendable, Hashable {
    public var packetIdentifier: UInt16
    public var topicFilters: [String]
    public var properties = MQTTProperties()

    public init(packetIdentifier: UInt16, topicFilters: [String], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.topicFilters = topicFilters
        self.properties = properties
    }

    static func parse(_ buffer: inout ByteBuffer, version: ProtocolVersion) throws(MQTTCodecError) -> UnsubscribePacket {
        let identifier = try buffer.readMQTTUInt16()
        guard identifier != 0 else { throw .malformed("a packet identifier of 0") }
        let properties = version.hasProperties ? try MQTTProperties.parse(from: &buffer, context: .unsubscribe) : MQTTProperties()
        var filters: [String] = []
        while buffer.readableBytes > 0 { filters.append(try buffer.readMQTTString()) }
        guard !filters.isEmpty else { throw .protocolError("UNSUBSCRIBE with no topic filters") }
        return UnsubscribePacket(packetIdentifier: identifier, topicFilters: filters, properties: properties)
    }

    func write(to buffer: inout ByteBuffer, version: ProtocolVersion) {
        buffer.writeInteger(packetIdentifier, endianness: .big)
        if version.hasProperties { properties.write(to: &buffer) }
        for filter in topicFilters { buffer.writeMQTTString(filter) }
    }
}

/// DISCONNECT (§3.14) and AUTH (§3.15): a reason code and properties (5.0), nothing in 3.1.1.
public struct DisconnectPacket: Sendable, Hashable {
    public var reasonCode: ReasonCode
    public var properties = MQTTProperties()

    public init(reasonCode: ReasonCode = .normalDisconnection, properties: MQTTProperties = MQTTProperties()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }

    static func parse(_ buffer: inout ByteBuffer, version: ProtocolVersion, context: MQTTProperties.Context) throws(MQTTCodecError)
        -> DisconnectPacket
    {
        var packet = DisconnectPacket()
        if version.hasProperties && buffer.readableBytes > 0 {
            packet.reasonCode = ReasonCode(rawValue: try buffer.readMQTTByte())
            if buffer.readableBytes > 0 { packet.properties = try MQTTProperties.parse(from: &buffer, context: context) }
        }
        guard buffer.readableBytes == 0 else { throw .malformed("extra bytes in \(context == .auth ? "AUTH" : "DISCONNECT")") }
        return packet
    }

    func write(to buffer: inout ByteBuffer, version: ProtocolVersion) {
        guard version.hasProperties, reasonCode != .success || !properties.isEmpty else { return }
        buffer.writeInteger(reasonCode.rawValue)
        if !properties.isEmpty { properties.write(to: &buffer) }
    }
}
