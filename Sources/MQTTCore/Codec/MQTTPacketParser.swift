public import NIOCore

/// A pure MQTT packet parser: bytes in, packets out, no I/O. The thin NIO decoder wraps it;
/// tests and the fuzz target drive it directly.
///
/// The remaining length is checked against `limits` as soon as it is read, before the body is
/// waited for, so a hostile 256 MB length costs five bytes, not 256 MB of buffer.
public struct MQTTPacketParser: Sendable {
    public let limits: MQTTDecoderLimits
    /// The protocol version packets are parsed as. A server learns it from CONNECT (the first
    /// packet); a client sets it up front.
    public private(set) var version: ProtocolVersion?

    public init(limits: MQTTDecoderLimits = MQTTDecoderLimits(), version: ProtocolVersion? = nil) {
        self.limits = limits
        self.version = version
    }

    /// The next packet in `buffer`, consuming its bytes; nil when the buffer does not yet hold
    /// a whole packet (nothing is consumed then).
    public mutating func parse(_ buffer: inout ByteBuffer) throws(MQTTCodecError) -> MQTTPacket? {
        let start = buffer.readerIndex
        guard let first = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let length = try buffer.readVariableByteInteger() else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        let headerSize = buffer.readerIndex - start
        guard headerSize + length <= limits.maximumPacketSize else {
            throw MQTTCodecError(
                .packetTooLarge, "a \(headerSize + length)-byte packet is larger than the maximum of \(limits.maximumPacketSize)")
        }
        guard var body = buffer.readSlice(length: length) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        let packet = try parse(type: first >> 4, flags: first & 0x0F, body: &body)
        guard body.readableBytes == 0 else {
            throw .malformed("\(packet.name) has \(body.readableBytes) bytes after its contents")
        }
        return packet
    }

    private mutating func parse(type: UInt8, flags: UInt8, body: inout ByteBuffer) throws(MQTTCodecError) -> MQTTPacket {
        guard let version else {
            guard type == 1 else { throw .protocolError("the first packet must be CONNECT") }
            try requireFlags(flags, 0, "CONNECT")
            let connect = try ConnectPacket.parse(&body)
            self.version = connect.protocolVersion
            return .connect(connect)
        }
        switch type {
        case 1: throw .protocolError("a second CONNECT")
        case 2:
            try requireFlags(flags, 0, "CONNACK")
            return .connack(try ConnAckPacket.parse(&body, version: version))
        case 3: return .publish(try PublishPacket.parse(&body, flags: flags, version: version))
        case 4:
            try requireFlags(flags, 0, "PUBACK")
            return .puback(try PubAckPacket.parse(&body, version: version))
        case 5:
            try requireFlags(flags, 0, "PUBREC")
            return .pubrec(try PubAckPacket.parse(&body, version: version))
        case 6:
            try requireFlags(flags, 2, "PUBREL")
            return .pubrel(try PubAckPacket.parse(&body, version: version))
        case 7:
            try requireFlags(flags, 0, "PUBCOMP")
            return .pubcomp(try PubAckPacket.parse(&body, version: version))
        case 8:
            try requireFlags(flags, 2, "SUBSCRIBE")
            return .subscribe(try SubscribePacket.parse(&body, version: version))
        case 9:
            try requireFlags(flags, 0, "SUBACK")
            return .suback(try SubAckPacket.parse(&body, version: version, context: .suback))
        case 10:
            try requireFlags(flags, 2, "UNSUBSCRIBE")
            return .unsubscribe(try UnsubscribePacket.parse(&body, version: version))
        case 11:
            try requireFlags(flags, 0, "UNSUBACK")
            return .unsuback(try SubAckPacket.parse(&body, version: version, context: .unsuback))
        case 12:
            try requireFlags(flags, 0, "PINGREQ")
            return .pingreq
        case 13:
            try requireFlags(flags, 0, "PINGRESP")
            return .pingresp
        case 14:
            try requireFlags(flags, 0, "DISCONNECT")
            return .disconnect(try DisconnectPacket.parse(&body, version: version, context: .disconnect))
        case 15:
            guard version.hasProperties else { throw .malformed("AUTH does not exist before MQTT 5") }
            try requireFlags(flags, 0, "AUTH")
            return .auth(try DisconnectPacket.parse(&body, version: version, context: .auth))
        default:
            throw .malformed("packet type 0 is reserved")
        }
    }

    private func requireFlags(_ flags: UInt8, _ expected: UInt8, _ name: String) throws(MQTTCodecError) {
        guard flags == expected else { throw .malformed("\(name) must have fixed-header flags \(expected), not \(flags)") }
    }
}
