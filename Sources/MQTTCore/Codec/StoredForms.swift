import NIOCore

/// The forms the broker's state store keeps a PUBLISH's properties and a subscription's
/// options in: the wire's own, so a stored value is read back by the parser that checks
/// packets, and bad bytes on disk are a located error like bad bytes on a socket.
extension MQTTProperties {
    /// A PUBLISH's properties as on the wire: the property length, then the properties.
    public var publishPropertyBytes: [UInt8] {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// Reads back `publishPropertyBytes`.
    public init(publishPropertyBytes bytes: [UInt8]) throws(MQTTCodecError) {
        var buffer = ByteBuffer(bytes: bytes)
        self = try MQTTProperties.parse(from: &buffer, context: .publish)
        guard buffer.readableBytes == 0 else { throw .malformed("bytes after the properties") }
    }
}

extension SubscribePacket.Subscription {
    /// The Subscription Options byte (§3.8.3.1): QoS, No Local, Retain As Published, Retain
    /// Handling.
    public var optionsByte: UInt8 {
        qos.rawValue | (noLocal ? 0x04 : 0) | (retainAsPublished ? 0x08 : 0) | (retainHandling << 4)
    }

    /// Reads back `optionsByte`.
    public init(topicFilter: String, optionsByte options: UInt8) throws(MQTTCodecError) {
        guard let qos = QoS(rawValue: options & 0x03), options & 0xC0 == 0, (options >> 4) & 0x03 < 3 else {
            throw .malformed("subscription options 0x\(String(options, radix: 16)) are not valid")
        }
        self.init(
            topicFilter: topicFilter, qos: qos, noLocal: options & 0x04 != 0, retainAsPublished: options & 0x08 != 0,
            retainHandling: (options >> 4) & 0x03)
    }
}
