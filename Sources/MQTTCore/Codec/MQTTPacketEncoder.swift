public import NIOCore

/// Writes packets. Our own values are valid by construction, so nothing here throws.
public enum MQTTPacketEncoder {
    public static func encode(_ packet: MQTTPacket, version: ProtocolVersion, into buffer: inout ByteBuffer) {
        var body = ByteBuffer()
        var flags: UInt8 = 0
        switch packet {
        case .connect(let connect): connect.write(to: &body)
        case .connack(let connack): connack.write(to: &body, version: version)
        case .publish(let publish):
            flags = publish.flags
            // The hot path: write the header from the computed size and the body straight after.
            buffer.writeInteger(UInt8(3 << 4) | flags)
            buffer.writeVariableByteInteger(publish.bodySize(version: version))
            publish.write(to: &buffer, version: version)
            return
        case .puback(let ack), .pubrec(let ack), .pubcomp(let ack): ack.write(to: &body, version: version)
        case .pubrel(let ack):
            flags = 2
            ack.write(to: &body, version: version)
        case .subscribe(let subscribe):
            flags = 2
            subscribe.write(to: &body, version: version)
        case .suback(let suback): suback.write(to: &body, version: version)
        case .unsubscribe(let unsubscribe):
            flags = 2
            unsubscribe.write(to: &body, version: version)
        case .unsuback(let unsuback): unsuback.write(to: &body, version: version, includeCodes: version.hasProperties)
        case .pingreq, .pingresp: break
        case .disconnect(let disconnect), .auth(let disconnect): disconnect.write(to: &body, version: version)
        }
        buffer.writeInteger(packet.typeCode << 4 | flags)
        buffer.writeVariableByteInteger(body.readableBytes)
        buffer.writeImmutableBuffer(body)
    }
}
