public import NIOCore

/// Bytes from a socket, in whatever pieces they arrive, turned into packets: the parser plus
/// the buffer of a packet not yet complete. The one framing loop both the broker's connection
/// handler and the load generator use.
public struct MQTTInboundStream: Sendable {
    public private(set) var parser: MQTTPacketParser
    private var pending: ByteBuffer?

    public init(parser: MQTTPacketParser) { self.parser = parser }

    /// Adds bytes that arrived.
    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        if pending == nil || pending!.readableBytes == 0 {
            pending = bytes
        } else {
            pending!.writeBuffer(&bytes)
        }
    }

    /// The next whole packet, or nil until more bytes arrive.
    public mutating func next() throws(MQTTCodecError) -> MQTTPacket? {
        guard var buffer = pending else { return nil }
        pending = nil  // so the parse below does not trigger a copy of the storage
        defer { pending = buffer.readableBytes > 0 ? buffer : nil }
        return try parser.parse(&buffer)
    }
}
