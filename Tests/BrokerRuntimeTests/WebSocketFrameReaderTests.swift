import NIOCore
import NIOWebSocket
import Testing

@testable import BrokerRuntime

/// The client-frame reader, driven without sockets: frames whole, split at every byte, and
/// every frame RFC 6455 tells a server to refuse, each with its close code.
struct WebSocketFrameReaderTests {
    /// A masked client frame.
    static func frame(
        _ payload: [UInt8], opcode: UInt8 = 0x2, fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true,
        key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
    ) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | rsv | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case ...125: bytes.append(maskBit | UInt8(payload.count))
        case ...0xFFFF: bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: bytes += [maskBit | 127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> (8 * $0)) }
        }
        guard masked else { return bytes + payload }
        return bytes + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    }

    /// Everything the reader makes of `chunks`, fed one after another as reads would come,
    /// keeping what it leaves (as the handler does): data joined per read run, "|" where a
    /// run was handed on, and the inputs that stopped runs.
    static func read(_ chunks: [[UInt8]], maxFrameSize: Int = 1 << 20, compression: Bool = false) throws(WebSocketFrameReader.Violation)
        -> [String]
    {
        var reader = WebSocketFrameReader(maxFrameSize: maxFrameSize, compression: compression)
        var held = ByteBuffer()
        var out: [String] = []
        var message = ""
        var deflated = ""
        for chunk in chunks {
            held.writeBytes(chunk)
            while held.readableBytes > 0 {
                let run = try held.withUnsafeMutableReadableBytes { raw throws(WebSocketFrameReader.Violation) in try reader.read(raw) }
                func text(_ range: Range<Int>) -> String {
                    String(decoding: held.getBytes(at: held.readerIndex + range.lowerBound, length: range.count)!, as: UTF8.self)
                }
                message += text(0..<run.data)
                switch run.stop {
                case .compressed(let range, let end):
                    deflated += text(range)
                    if end {
                        out.append("deflated \(deflated)")
                        deflated = ""
                    }
                case .text:
                    out.append("text")
                    return out  // the handler closes: the rest is not read
                case .ping(let range): out.append("ping \(text(range))")
                case .pong: out.append("pong")
                case .close(let range):
                    out.append("close \(held.getInteger(at: held.readerIndex + range.lowerBound, as: UInt16.self).map(String.init) ?? "-")")
                case nil: break
                }
                held.moveReaderIndex(forwardBy: run.consumed)
                if run.stop == nil { break }
            }
        }
        if !message.isEmpty { out.insert("data \(message)", at: 0) }
        return out
    }

    @Test func wholeFramesAndSeveralToARead() throws {
        let stream =
            Self.frame(Array("hello".utf8)) + Self.frame(Array("are you there".utf8), opcode: 0x9) + Self.frame([0x03, 0xE8], opcode: 0x8)
        #expect(try Self.read([stream]) == ["data hello", "ping are you there", "close 1000"])
        // Several data frames to a read come out as one run, their headers squeezed out.
        let three =
            Self.frame(Array("one ".utf8)) + Self.frame(Array("two ".utf8), fin: false) + Self.frame(Array("three".utf8), opcode: 0x0)
        var reader = WebSocketFrameReader(maxFrameSize: 100, compression: false)
        var buffer = ByteBuffer(bytes: three)
        let run = try buffer.withUnsafeMutableReadableBytes { raw throws(WebSocketFrameReader.Violation) in try reader.read(raw) }
        #expect(run == WebSocketFrameReader.Run(consumed: three.count, data: 13, stop: nil))
        #expect(buffer.getString(at: 0, length: 13) == "one two three")
    }

    @Test func splitAtEveryByteReadsTheSame() throws {
        let long = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        let stream =
            Self.frame(Array("frag".utf8), fin: false) + Self.frame(Array("ping".utf8), opcode: 0x9)
            + Self.frame(Array("mented".utf8), opcode: 0x0) + Self.frame(long)
        let whole = try Self.read([stream])
        #expect(whole.count == 2)
        #expect(whole[0].hasPrefix("data fragmented"))
        #expect(whole[1] == "ping ping")
        for cut in 1..<stream.count {
            #expect(try Self.read([Array(stream[..<cut]), Array(stream[cut...])]) == whole, "cut at \(cut)")
        }
        #expect(try Self.read(stream.map { [$0] }) == whole, "a byte at a time")
    }

    @Test func unmaskingFollowsTheKeyAcrossReadsAndLengths() throws {
        // Payloads of every length up to 40, cut at every place, come back as they went in:
        // the eight-byte unmasking and the mask's offset after a cut agree.
        for length in 0...40 {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: 0x41 + $0 % 26) }
            let bytes = Self.frame(payload, key: [0x01, 0x80, 0xFE, 0x5A])
            let expected = length == 0 ? [] : ["data \(String(decoding: payload, as: UTF8.self))"]
            for cut in stride(from: 1, to: bytes.count, by: 3) {
                #expect(try Self.read([Array(bytes[..<cut]), Array(bytes[cut...])]) == expected)
            }
        }
    }

    @Test func extendedLengths() throws {
        let medium = [UInt8](repeating: 0x61, count: 70_000)
        #expect(try Self.read([Self.frame(medium)]) == ["data " + String(repeating: "a", count: 70_000)])
        #expect(try Self.read([Self.frame([UInt8](repeating: 0x62, count: 126))]) == ["data " + String(repeating: "b", count: 126)])
    }

    @Test func textIsReportedForTheCallerToRefuse() throws {
        #expect(try Self.read([Self.frame(Array("{}".utf8), opcode: 0x1)]) == ["text"])
    }

    static func violation(_ chunks: [[UInt8]], maxFrameSize: Int = 1 << 20, compression: Bool = false) -> WebSocketFrameReader.Violation? {
        do {
            _ = try read(chunks, maxFrameSize: maxFrameSize, compression: compression)
            return nil
        } catch {
            return error
        }
    }

    @Test func framesAServerMustRefuse() {
        let cases: [(String, [UInt8], WebSocketErrorCode)] = [
            ("unmasked", Self.frame([1], masked: false), .protocolError),
            ("RSV1 without permessage-deflate", Self.frame([1], rsv: 0x40), .protocolError),
            ("RSV2", Self.frame([1], rsv: 0x20), .protocolError),
            ("reserved opcode", Self.frame([1], opcode: 0x3), .protocolError),
            ("reserved control opcode", Self.frame([1], opcode: 0xB), .protocolError),
            ("continuation first", Self.frame([1], opcode: 0x0), .protocolError),
            ("a fragmented ping", Self.frame([1], opcode: 0x9, fin: false), .protocolError),
            ("a long ping", Self.frame([UInt8](repeating: 0, count: 126), opcode: 0x9), .protocolError),
            ("new message mid-message", Self.frame([1], fin: false) + Self.frame([2]), .protocolError),
        ]
        for (name, bytes, code) in cases {
            #expect(Self.violation([bytes])?.code == code, "\(name)")
        }
        let tooBig = Self.violation([Self.frame([UInt8](repeating: 0, count: 101))], maxFrameSize: 100)
        #expect(tooBig?.code == .messageTooLarge)
        #expect(tooBig?.reason.contains("max_frame_size (100)") == true)
        // Only the header is needed to refuse: the payload need not come.
        #expect(
            Self.violation([Array(Self.frame([UInt8](repeating: 0, count: 70_000))[..<10])], maxFrameSize: 65_536)?.code == .messageTooLarge
        )
        let absurd: [UInt8] = [0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        #expect(Self.violation([absurd])?.code == .messageTooLarge)
    }

    @Test func rsv1MarksACompressedMessageWhenAgreed() throws {
        let stream =
            Self.frame(Array("ab".utf8), fin: false, rsv: 0x40) + Self.frame(Array("cd".utf8), opcode: 0x0) + Self.frame(Array("e".utf8))
        #expect(try Self.read([stream], compression: true) == ["data e", "deflated abcd"])
        // RSV1 on a continuation is refused even then (RFC 7692 §6.1).
        #expect(
            Self.violation([Self.frame([1], fin: false) + Self.frame([2], opcode: 0x0, rsv: 0x40)], compression: true)?.code
                == .protocolError)
    }

    @Test func incompleteInputWaitsWithoutConsuming() throws {
        var reader = WebSocketFrameReader(maxFrameSize: 1 << 20, compression: false)
        var buffer = ByteBuffer(bytes: Array(Self.frame(Array("ping!".utf8), opcode: 0x9).prefix(8)))
        let run = try buffer.withUnsafeMutableReadableBytes { raw throws(WebSocketFrameReader.Violation) in try reader.read(raw) }
        #expect(run == WebSocketFrameReader.Run(consumed: 0, data: 0, stop: nil), "a partial control frame stays for the next read")
    }
}
