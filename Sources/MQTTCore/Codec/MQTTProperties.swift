import NIOCore

/// MQTT 5.0 properties (§2.2.2). Each field is set only when the packet carried it; which
/// ones a packet may carry is checked when parsing.
public struct MQTTProperties: Sendable, Hashable {
    public var payloadFormatIndicator: UInt8?
    public var messageExpiryInterval: UInt32?
    public var contentType: String?
    public var responseTopic: String?
    public var correlationData: [UInt8]?
    /// May appear several times in PUBLISH; once in SUBSCRIBE.
    public var subscriptionIdentifiers: [Int] = []
    public var sessionExpiryInterval: UInt32?
    public var assignedClientIdentifier: String?
    public var serverKeepAlive: UInt16?
    public var authenticationMethod: String?
    public var authenticationData: [UInt8]?
    public var requestProblemInformation: UInt8?
    public var willDelayInterval: UInt32?
    public var requestResponseInformation: UInt8?
    public var responseInformation: String?
    public var serverReference: String?
    public var reasonString: String?
    public var receiveMaximum: UInt16?
    public var topicAliasMaximum: UInt16?
    public var topicAlias: UInt16?
    public var maximumQoS: UInt8?
    public var retainAvailable: UInt8?
    public var userProperties: [UserProperty] = []
    public var maximumPacketSize: UInt32?
    public var wildcardSubscriptionAvailable: UInt8?
    public var subscriptionIdentifierAvailable: UInt8?
    public var sharedSubscriptionAvailable: UInt8?

    public struct UserProperty: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init() {}

    public var isEmpty: Bool { self == MQTTProperties() }

    /// Where a property may appear.
    enum Context: Sendable {
        case connect, connack, publish, will, pubResponse, subscribe, suback, unsubscribe, unsuback, disconnect, auth
    }

    /// The identifiers each context allows (§2.2.2.2's table).
    private static func allowed(_ context: Context) -> Set<UInt8> {
        switch context {
        case .connect: [0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27]
        case .connack: [0x11, 0x12, 0x13, 0x15, 0x16, 0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A]
        case .publish: [0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x23, 0x26]
        case .will: [0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26]
        case .pubResponse, .suback, .unsuback: [0x1F, 0x26]
        case .subscribe: [0x0B, 0x26]
        case .unsubscribe: [0x26]
        case .disconnect: [0x11, 0x1C, 0x1F, 0x26]
        case .auth: [0x15, 0x16, 0x1F, 0x26]
        }
    }

    // MARK: Parsing

    /// Reads a property length and the properties after it.
    static func parse(from buffer: inout ByteBuffer, context: Context) throws(MQTTCodecError) -> MQTTProperties {
        let length = try buffer.readMQTTVariableByteInteger()
        guard var slice = buffer.readSlice(length: length) else { throw .malformed("the properties run past the end of the packet") }
        var properties = MQTTProperties()
        var seen = Set<UInt8>()
        let allowed = allowed(context)
        while slice.readableBytes > 0 {
            let identifier = UInt8(truncatingIfNeeded: try slice.readMQTTVariableByteInteger())
            guard allowed.contains(identifier) else {
                throw .protocolError("property 0x\(String(identifier, radix: 16)) is not allowed in this packet")
            }
            if identifier != 0x26 && !(identifier == 0x0B && context == .publish) {
                guard seen.insert(identifier).inserted else {
                    throw .protocolError("property 0x\(String(identifier, radix: 16)) appears twice")
                }
            }
            try properties.read(identifier, from: &slice)
        }
        return properties
    }

    private mutating func read(_ identifier: UInt8, from buffer: inout ByteBuffer) throws(MQTTCodecError) {
        switch identifier {
        case 0x01: payloadFormatIndicator = try Self.flag(&buffer, "Payload Format Indicator")
        case 0x02: messageExpiryInterval = try buffer.readMQTTUInt32()
        case 0x03: contentType = try buffer.readMQTTString()
        case 0x08: responseTopic = try buffer.readMQTTString()
        case 0x09: correlationData = try buffer.readMQTTBinary()
        case 0x0B:
            let value = try buffer.readMQTTVariableByteInteger()
            guard value > 0 else { throw .protocolError("a Subscription Identifier of 0") }
            subscriptionIdentifiers.append(value)
        case 0x11: sessionExpiryInterval = try buffer.readMQTTUInt32()
        case 0x12: assignedClientIdentifier = try buffer.readMQTTString()
        case 0x13: serverKeepAlive = try buffer.readMQTTUInt16()
        case 0x15: authenticationMethod = try buffer.readMQTTString()
        case 0x16: authenticationData = try buffer.readMQTTBinary()
        case 0x17: requestProblemInformation = try Self.flag(&buffer, "Request Problem Information")
        case 0x18: willDelayInterval = try buffer.readMQTTUInt32()
        case 0x19: requestResponseInformation = try Self.flag(&buffer, "Request Response Information")
        case 0x1A: responseInformation = try buffer.readMQTTString()
        case 0x1C: serverReference = try buffer.readMQTTString()
        case 0x1F: reasonString = try buffer.readMQTTString()
        case 0x21:
            receiveMaximum = try buffer.readMQTTUInt16()
            guard receiveMaximum != 0 else { throw .protocolError("a Receive Maximum of 0") }
        case 0x22: topicAliasMaximum = try buffer.readMQTTUInt16()
        case 0x23:
            topicAlias = try buffer.readMQTTUInt16()
            guard topicAlias != 0 else { throw .protocolError("a Topic Alias of 0") }
        case 0x24: maximumQoS = try Self.flag(&buffer, "Maximum QoS")
        case 0x25: retainAvailable = try Self.flag(&buffer, "Retain Available")
        case 0x26: userProperties.append(UserProperty(try buffer.readMQTTString(), try buffer.readMQTTString()))
        case 0x27:
            maximumPacketSize = try buffer.readMQTTUInt32()
            guard maximumPacketSize != 0 else { throw .protocolError("a Maximum Packet Size of 0") }
        case 0x28: wildcardSubscriptionAvailable = try Self.flag(&buffer, "Wildcard Subscription Available")
        case 0x29: subscriptionIdentifierAvailable = try Self.flag(&buffer, "Subscription Identifier Available")
        case 0x2A: sharedSubscriptionAvailable = try Self.flag(&buffer, "Shared Subscription Available")
        default: throw .malformed("unknown property 0x\(String(identifier, radix: 16))")
        }
    }

    /// A byte property that must be 0 or 1.
    private static func flag(_ buffer: inout ByteBuffer, _ name: String) throws(MQTTCodecError) -> UInt8 {
        let value = try buffer.readMQTTByte()
        guard value <= 1 else { throw .protocolError("\(name) must be 0 or 1, not \(value)") }
        return value
    }

    // MARK: Writing

    /// Writes the property length and the properties.
    func write(to buffer: inout ByteBuffer) {
        if isEmpty {
            buffer.writeInteger(UInt8(0))
            return
        }
        var body = ByteBuffer()
        writeBody(to: &body)
        buffer.writeVariableByteInteger(body.readableBytes)
        buffer.writeImmutableBuffer(body)
    }

    /// The size `write` produces, length prefix included.
    var encodedSize: Int {
        if isEmpty { return 1 }
        var body = ByteBuffer()
        writeBody(to: &body)
        return ByteBuffer.variableByteIntegerSize(body.readableBytes) + body.readableBytes
    }

    private func writeBody(to buffer: inout ByteBuffer) {
        func byte(_ id: UInt8, _ value: UInt8?) { if let value { buffer.writeInteger(id); buffer.writeInteger(value) } }
        func u16(_ id: UInt8, _ value: UInt16?) { if let value { buffer.writeInteger(id); buffer.writeInteger(value, endianness: .big) } }
        func u32(_ id: UInt8, _ value: UInt32?) { if let value { buffer.writeInteger(id); buffer.writeInteger(value, endianness: .big) } }
        func string(_ id: UInt8, _ value: String?) { if let value { buffer.writeInteger(id); buffer.writeMQTTString(value) } }
        func binary(_ id: UInt8, _ value: [UInt8]?) { if let value { buffer.writeInteger(id); buffer.writeMQTTBinary(value) } }
        byte(0x01, payloadFormatIndicator)
        u32(0x02, messageExpiryInterval)
        string(0x03, contentType)
        string(0x08, responseTopic)
        binary(0x09, correlationData)
        for identifier in subscriptionIdentifiers {
            buffer.writeInteger(UInt8(0x0B))
            buffer.writeVariableByteInteger(identifier)
        }
        u32(0x11, sessionExpiryInterval)
        string(0x12, assignedClientIdentifier)
        u16(0x13, serverKeepAlive)
        string(0x15, authenticationMethod)
        binary(0x16, authenticationData)
        byte(0x17, requestProblemInformation)
        u32(0x18, willDelayInterval)
        byte(0x19, requestResponseInformation)
        string(0x1A, responseInformation)
        string(0x1C, serverReference)
        string(0x1F, reasonString)
        u16(0x21, receiveMaximum)
        u16(0x22, topicAliasMaximum)
        u16(0x23, topicAlias)
        byte(0x24, maximumQoS)
        byte(0x25, retainAvailable)
        for property in userProperties {
            buffer.writeInteger(UInt8(0x26))
            buffer.writeMQTTString(property.name)
            buffer.writeMQTTString(property.value)
        }
        u32(0x27, maximumPacketSize)
        byte(0x28, wildcardSubscriptionAvailable)
        byte(0x29, subscriptionIdentifierAvailable)
        byte(0x2A, sharedSubscriptionAvailable)
    }
}
