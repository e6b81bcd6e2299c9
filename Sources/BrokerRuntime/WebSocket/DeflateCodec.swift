import CompressNIO
import ConfigModel
import NIOCore

/// The compression of one permessage-deflate connection (RFC 7692 §7.2), on compress-nio's
/// zlib streams: each message out deflated with a sync flush and the flush's 00 00 FF FF tail
/// taken off; each message in inflated with that tail put back, in chunks, so a small frame
/// that inflates to much (a deflate bomb) is handed on a chunk at a time, for the MQTT
/// parser's max_packet_size to stop, and never held whole.
final class DeflateCodec {
    /// The most inflated bytes handed on at once.
    static let chunkSize = 16 * 1024
    /// What a sync flush ends with (an empty stored block), taken off and put back.
    private static let tail: UInt32 = 0x0000_FFFF
    private static let tailBytes = ByteBuffer(integer: tail)

    private let agreed: PerMessageDeflate
    private let compressor: ZlibCompressor
    private let decompressor: ZlibDecompressor

    init(_ agreed: PerMessageDeflate, options: DeflateOptions) throws {
        self.agreed = agreed
        let strategy: ZlibConfiguration.Strategy =
            switch options.strategy {
            case .default: .default
            case .filtered: .filtered
            case .huffman_only: .huffmanOnly
            case .rle: .rle
            }
        compressor = try ZlibCompressor(
            algorithm: .deflate,
            configuration: ZlibConfiguration(
                windowSize: Int32(agreed.serverMaxWindowBits), compressionLevel: options.level.zlibLevel,
                memoryLevel: Int32(options.memLevel), strategy: strategy))
        // A window of 15 reads whatever smaller window the client compressed with.
        decompressor = try ZlibDecompressor(algorithm: .deflate, windowSize: 15)
    }

    /// `message` deflated, with `headroom` bytes free in front for the frame header.
    func deflate(_ message: ByteBuffer, headroom: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var message = message
        var out = allocator.buffer(capacity: headroom + compressor.maxSize(from: message))
        out.moveWriterIndex(to: headroom)
        out.moveReaderIndex(to: headroom)
        guard message.readableBytes > 0 else {
            // An empty message: one empty stored block (RFC 7692 §7.2.3.6); zlib has nothing
            // to flush.
            out.writeInteger(UInt8(0))
            return out
        }
        try compressor.deflate(from: &message, to: &out, flush: .sync)
        // A sync flush ends with an empty stored block, 00 00 FF FF, which the receiver adds back.
        if out.readableBytes >= 4, out.getInteger(at: out.writerIndex - 4, as: UInt32.self) == Self.tail {
            out.moveWriterIndex(to: out.writerIndex - 4)
        }
        if agreed.serverNoContextTakeover { try compressor.reset() }
        return out
    }

    /// Inflates part of a message, handing the result on in chunks while `deliver` says to go
    /// on (it says stop once the connection is closing: a bomb is not inflated to its end);
    /// at the message's end, the tail goes in after it, and the context is reset if the
    /// client was told not to keep one.
    func inflate(_ part: ByteBuffer, messageEnd: Bool, allocator: ByteBufferAllocator, deliver: (ByteBuffer) -> Bool) throws {
        guard try inflateAll(part, allocator: allocator, deliver: deliver), messageEnd else { return }
        guard try inflateAll(Self.tailBytes, allocator: allocator, deliver: deliver) else { return }
        if agreed.clientNoContextTakeover { try decompressor.reset() }
    }

    /// Whether `deliver` wanted more.
    private func inflateAll(_ input: ByteBuffer, allocator: ByteBufferAllocator, deliver: (ByteBuffer) -> Bool) throws -> Bool {
        var input = input
        while true {
            var out = allocator.buffer(capacity: Self.chunkSize)
            var full = false
            do {
                try decompressor.inflate(from: &input, to: &out)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                full = true  // the chunk filled: more is coming
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                // All input taken, none left to make progress with.
            }
            if out.readableBytes > 0, !deliver(out) { return false }
            if !full { return true }
        }
    }
}

@available(*, unavailable)
extension DeflateCodec: Sendable {}
