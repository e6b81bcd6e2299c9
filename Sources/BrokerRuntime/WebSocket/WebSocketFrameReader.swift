import NIOCore
import NIOWebSocket

/// Client-to-server WebSocket frames (RFC 6455 §5), read as a stream and in place: each
/// plain data payload is unmasked where it lies and moved down to follow the one before, so
/// the binary messages of a whole read come out as one run of bytes at its front, ready to
/// hand on as one slice (no copy of their own, one read for the MQTT handler however many
/// frames it held). A payload is handed on as it arrives, so a frame of any size costs no
/// memory here; only a frame header, or a control frame (125 bytes at most), that a read
/// split is waited for whole.
///
/// A pure state machine over bytes: runs of data, `Input`s for the rest, and a `Violation`
/// (with the close code the RFC prescribes) for a frame a server must not accept.
struct WebSocketFrameReader {
    /// What stopped a run of plain data. Ranges are offsets into the bytes given to `read`.
    enum Input: Equatable {
        /// Part of a message whose first frame had RSV1 set (permessage-deflate), unmasked in
        /// place; `messageEnd` on the message's last bytes.
        case compressed(Range<Int>, messageEnd: Bool)
        /// A text message's first frame: MQTT is binary.
        case text
        case ping(Range<Int>)
        case pong
        case close(Range<Int>)
    }

    /// What one `read` found.
    struct Run: Equatable {
        /// Bytes consumed from the front (the rest wait for more to arrive).
        var consumed = 0
        /// Plain binary data, unmasked, at the front: offsets 0..<data.
        var data = 0
        /// What ended the run, if anything did before the bytes ran out.
        var stop: Input?
    }

    struct Violation: Error, Equatable {
        let code: WebSocketErrorCode
        let reason: String
    }

    /// The largest frame payload accepted (websocket.max_frame_size).
    let maxFrameSize: Int
    /// Whether RSV1 may be set: permessage-deflate was agreed.
    let compression: Bool

    /// The data frame being read: bytes left of its payload, its masking key (first byte in
    /// the low bits) and where in it the next byte falls, and whether it ends its message.
    private var payloadLeft = 0
    private var mask: UInt32 = 0
    private var maskOffset = 0
    private var finalFrame = false
    /// Within a fragmented message (a continuation is due), and whether it is compressed.
    private var inMessage = false
    private var messageCompressed = false

    init(maxFrameSize: Int, compression: Bool) {
        self.maxFrameSize = maxFrameSize
        self.compression = compression
    }

    /// Reads from the front of `bytes` until something other than plain data comes (the
    /// run's `stop`) or the bytes end; plain payloads are gathered at the front.
    mutating func read(_ bytes: UnsafeMutableRawBufferPointer) throws(Violation) -> Run {
        var run = Run()
        while run.consumed < bytes.count {
            if payloadLeft > 0 {
                let count = min(payloadLeft, bytes.count - run.consumed)
                let payload = UnsafeMutableRawBufferPointer(rebasing: bytes[run.consumed..<run.consumed + count])
                payload.unmask(mask, offset: maskOffset)
                maskOffset = (maskOffset + count) & 3
                payloadLeft -= count
                if messageCompressed {
                    run.stop = .compressed(run.consumed..<run.consumed + count, messageEnd: payloadLeft == 0 && finalFrame)
                    run.consumed += count
                    return run
                }
                if run.data != run.consumed {
                    UnsafeMutableRawBufferPointer(rebasing: bytes[run.data...]).copyMemory(from: UnsafeRawBufferPointer(payload))
                }
                run.data += count
                run.consumed += count
                continue
            }
            let rest = UnsafeMutableRawBufferPointer(rebasing: bytes[run.consumed...])
            guard let header = try Header(rest, maxFrameSize: maxFrameSize, compression: compression) else { return run }
            if header.opcode >= 0x8 {
                guard rest.count >= header.length + header.payloadLength else { return run }
                let body = header.length..<header.length + header.payloadLength
                UnsafeMutableRawBufferPointer(rebasing: rest[body]).unmask(header.mask, offset: 0)
                let bodyInBytes = run.consumed + body.lowerBound..<run.consumed + body.upperBound
                run.consumed += body.upperBound
                switch header.opcode {
                case 0x8: run.stop = .close(bodyInBytes)
                case 0x9: run.stop = .ping(bodyInBytes)
                default: run.stop = .pong
                }
                return run
            }
            run.consumed += header.length
            switch header.opcode {
            case 0x0:
                guard inMessage else { throw Violation(code: .protocolError, reason: "a continuation frame with no message to continue") }
            case 0x1:
                run.stop = .text
                return run
            default:
                guard !inMessage else { throw Violation(code: .protocolError, reason: "a new message before the last one ended") }
                messageCompressed = header.rsv1
            }
            inMessage = !header.fin
            finalFrame = header.fin
            mask = header.mask
            maskOffset = 0
            payloadLeft = header.payloadLength
            if payloadLeft == 0, header.fin, messageCompressed {
                // An empty final frame still ends a compressed message.
                run.stop = .compressed(run.consumed..<run.consumed, messageEnd: true)
                return run
            }
        }
        return run
    }

    /// A frame header, checked.
    private struct Header {
        var fin: Bool
        var rsv1: Bool
        var opcode: UInt8
        /// The masking key, its first byte in the low bits.
        var mask: UInt32
        var payloadLength: Int
        /// The header's own length in bytes.
        var length: Int

        /// The header at the front of `bytes`, or nil if it is not all there yet.
        init?(_ bytes: UnsafeMutableRawBufferPointer, maxFrameSize: Int, compression: Bool) throws(Violation) {
            guard bytes.count >= 2 else { return nil }
            let first = bytes[0]
            let second = bytes[1]
            fin = first & 0x80 != 0
            rsv1 = first & 0x40 != 0
            opcode = first & 0x0F
            guard first & 0x30 == 0, !rsv1 || (compression && (opcode == 0x1 || opcode == 0x2)) else {
                throw Violation(code: .protocolError, reason: "reserved bits set that no extension agreed on")
            }
            switch opcode {
            case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: break
            default: throw Violation(code: .protocolError, reason: "the reserved opcode \(opcode)")
            }
            guard second & 0x80 != 0 else { throw Violation(code: .protocolError, reason: "a client's frame must be masked") }
            length = 2
            payloadLength = Int(second & 0x7F)
            if payloadLength == 126 {
                guard bytes.count >= 4 else { return nil }
                payloadLength = Int(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
                length = 4
            } else if payloadLength == 127 {
                guard bytes.count >= 10 else { return nil }
                let extended = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
                guard extended <= UInt64(Int.max) else { throw Violation(code: .messageTooLarge, reason: "a frame of \(extended) bytes") }
                payloadLength = Int(extended)
                length = 10
            }
            if opcode >= 0x8 {
                guard fin, payloadLength <= 125 else {
                    throw Violation(code: .protocolError, reason: "a control frame must be whole and at most 125 bytes")
                }
            } else if payloadLength > maxFrameSize {
                throw Violation(
                    code: .messageTooLarge, reason: "a frame of \(payloadLength) bytes, over websocket.max_frame_size (\(maxFrameSize))")
            }
            guard bytes.count >= length + 4 else { return nil }
            mask = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: length, as: UInt32.self))
            length += 4
        }
    }
}

extension UnsafeMutableRawBufferPointer {
    /// XORs the bytes with a WebSocket masking key (its first byte in the low bits) whose
    /// `offset`th byte comes first, eight bytes at a time.
    func unmask(_ mask: UInt32, offset: Int) {
        let shift = UInt32(8 * (offset & 3))
        let rotated = shift == 0 ? mask : mask >> shift | mask << (32 - shift)
        let wide = UInt64(littleEndian: UInt64(rotated) | UInt64(rotated) << 32)
        var index = 0
        while index + 8 <= count {
            let value = loadUnaligned(fromByteOffset: index, as: UInt64.self)
            storeBytes(of: value ^ wide, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            self[index] ^= UInt8(truncatingIfNeeded: rotated >> (8 * UInt32(index & 3)))
            index += 1
        }
    }
}
