public import NIOCore

/// Bytes from a socket, in whatever pieces they arrive, turned into packets: the parser plus
/// the buffer of a packet not yet complete. The one framing loop both the broker's connection
/// handler and the load generator use.
public struct MQTTInboundStream: Sendable {
    public private(set) var parser: MQTTPacketParser
    private var pending: ByteBuffer?

    public init(parser: MQTTPacketParser) { self.parser = parser }

    /// Adds bytes that arrived.
    ///
    /// Behind a packet not yet complete they are appended in place when nothing else holds
    /// its storage. When packets parsed from it are still held (on their way to another event
    /// loop, or queued for a subscriber), the partial packet and the new bytes go into a
    /// buffer of their own: appending would copy the whole shared storage with room for the
    /// new bytes on top, and grow it by that much at every read.
    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        guard var rest = pending, rest.readableBytes > 0 else {
            pending = bytes
            return
        }
        pending = nil  // so `rest` is the only reference this stream holds
        if rest.modifyIfUniquelyOwned({ $0.writeBuffer(&bytes) }) == nil {
            var merged = ByteBufferAllocator().buffer(capacity: rest.readableBytes + bytes.readableBytes)
            merged.writeBuffer(&rest)
            merged.writeBuffer(&bytes)
            rest = merged
        }
        pending = rest
    }

    /// The next whole packet, or nil until more bytes arrive.
    public mutating func next() throws(MQTTCodecError) -> MQTTPacket? {
        guard var buffer = pending else { return nil }
        pending = nil  // so the parse below does not trigger a copy of the storage
        defer { pending = buffer.readableBytes > 0 ? buffer : nil }
        return try parser.parse(&buffer)
    }
}
