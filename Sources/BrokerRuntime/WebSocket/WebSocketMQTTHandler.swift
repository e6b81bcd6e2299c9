import Logging
import NIOCore
import NIOWebSocket

/// MQTT over an upgraded WebSocket, in one handler between the bytes below (TCP or TLS) and
/// the MQTT handler above: binary messages in as one byte stream (`WebSocketFrameReader`
/// unmasks them in place and gathers a read's worth into one slice, so a packet may span
/// frames and a frame may hold several packets),
/// each write out as one binary frame, its header put in the room the MQTT handler left in
/// front. A text frame is refused with close code 1003, pings are answered, a frame the RFC
/// forbids closes with its code, and the close handshake is done both ways: a close from the
/// client is echoed, and a close from the broker sends 1000 first. With permessage-deflate
/// agreed, messages are inflated on the way in and deflated on the way out; with an idle
/// timeout (websocket.idle_timeout), a connection that sends nothing for that long is closed.
final class WebSocketMQTTHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var reader: WebSocketFrameReader
    /// A frame header or control frame a read split, waiting for the rest.
    private var pending: ByteBuffer?
    private var sentClose = false
    private let deflate: DeflateCodec?
    private let idleTimeout: TimeAmount?
    private var lastRead = NIODeadline.uptimeNanoseconds(0)
    private let listener: ListenerState

    init(maxFrameSize: Int, deflate: DeflateCodec?, idleTimeout: TimeAmount?, listener: ListenerState) {
        reader = WebSocketFrameReader(maxFrameSize: maxFrameSize, compression: deflate != nil)
        self.deflate = deflate
        self.idleTimeout = idleTimeout
        self.listener = listener
    }

    func handlerAdded(context: ChannelHandlerContext) {
        lastRead = context.eventLoop.now
        if let idleTimeout { scheduleIdleCheck(in: idleTimeout, context: context) }
    }

    /// Never cancelled: when it fires it closes the connection if nothing came meanwhile, or
    /// looks again when the time since the last read will have run out.
    private func scheduleIdleCheck(in delay: TimeAmount, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            guard let idleTimeout = handler.idleTimeout, context.channel.isActive, !handler.sentClose else { return }
            let quiet = context.eventLoop.now - handler.lastRead
            guard quiet >= idleTimeout else { return handler.scheduleIdleCheck(in: idleTimeout - quiet, context: context) }
            handler.listener.log(.info, "nothing received within websocket.idle_timeout; closing", peer: context.channel.remoteAddress)
            handler.closeWith(.normalClosure, context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if idleTimeout != nil { lastRead = context.eventLoop.now }
        var bytes = unwrapInboundIn(data)
        if var held = pending {
            pending = nil
            held.writeBuffer(&bytes)
            bytes = held
        }
        do {
            while !sentClose, bytes.readableBytes > 0 {
                let run = try bytes.withUnsafeMutableReadableBytes { raw throws(WebSocketFrameReader.Violation) in try reader.read(raw) }
                if run.data > 0 { context.fireChannelRead(wrapInboundOut(bytes.getSlice(at: bytes.readerIndex, length: run.data)!)) }
                if let stop = run.stop { handle(stop, in: bytes, context: context) }
                bytes.moveReaderIndex(forwardBy: run.consumed)
                if run.stop == nil { break }
            }
        } catch {
            return closeWith(error.code, context: context)
        }
        if bytes.readableBytes > 0, !sentClose { pending = bytes }
    }

    /// What ended a run of data; its ranges are offsets from `bytes`' reader index.
    private func handle(_ input: WebSocketFrameReader.Input, in bytes: ByteBuffer, context: ChannelHandlerContext) {
        func slice(_ range: Range<Int>) -> ByteBuffer { bytes.getSlice(at: bytes.readerIndex + range.lowerBound, length: range.count)! }
        switch input {
        case .compressed(let part, let messageEnd):
            guard let deflate else { return closeWith(.protocolError, context: context) }  // the reader refuses RSV1 then
            do {
                try deflate.inflate(slice(part), messageEnd: messageEnd, allocator: context.channel.allocator) { inflated in
                    context.fireChannelRead(wrapInboundOut(inflated))
                    return !sentClose && context.channel.isActive
                }
            } catch {
                listener.logFailure("WebSocket message that does not inflate (\(error)); closing", peer: context.channel.remoteAddress)
                closeWith(.dataInconsistentWithMessage, context: context)
            }
        case .text:
            closeWith(.unacceptableData, context: context)
        case .ping(let body):
            context.writeAndFlush(wrapOutboundOut(frame(slice(body), opcode: .pong, context: context)), promise: nil)
        case .pong:
            break
        case .close(let body):
            // Echo the client's code, then close.
            var body = slice(body)
            closeWith(body.readWebSocketErrorCode() ?? .normalClosure, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = unwrapOutboundIn(data)
        guard let deflate else {
            return context.write(wrapOutboundOut(frame(message, opcode: .binary, context: context)), promise: promise)
        }
        do {
            let deflated = try deflate.deflate(message, headroom: WebSocketFrameHeader.maximumLength, allocator: context.channel.allocator)
            context.write(wrapOutboundOut(frame(deflated, opcode: .binary, rsv1: true, context: context)), promise: promise)
        } catch {
            promise?.fail(error)
            context.close(promise: nil)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, !sentClose else { return context.close(mode: mode, promise: promise) }
        sentClose = true
        context.writeAndFlush(wrapOutboundOut(closeFrame(.normalClosure, context: context)), promise: nil)
        context.close(mode: mode, promise: promise)
    }

    private func closeWith(_ code: WebSocketErrorCode, context: ChannelHandlerContext) {
        guard !sentClose else { return context.close(promise: nil) }
        sentClose = true
        context.writeAndFlush(wrapOutboundOut(closeFrame(code, context: context))).whenComplete { [channel = context.channel] _ in
            channel.close(promise: nil)
        }
    }

    private func closeFrame(_ code: WebSocketErrorCode, context: ChannelHandlerContext) -> ByteBuffer {
        var body = context.channel.allocator.buffer(capacity: 2)
        body.write(webSocketErrorCode: code)
        return frame(body, opcode: .connectionClose, context: context)
    }

    /// `payload` as one final, unmasked frame: the header goes in front of it when there is
    /// room and the storage is not shared, else the two are copied into a new buffer.
    private func frame(_ payload: ByteBuffer, opcode: WebSocketOpcode, rsv1: Bool = false, context: ChannelHandlerContext) -> ByteBuffer {
        var payload = payload
        let headerLength = WebSocketFrameHeader.length(payload.readableBytes)
        let first = 0x80 | (rsv1 ? 0x40 : 0) | UInt8(webSocketOpcode: opcode)
        let framed: Bool? = payload.modifyIfUniquelyOwned { buffer in
            guard buffer.readerIndex >= headerLength else { return false }
            let start = buffer.readerIndex - headerLength
            WebSocketFrameHeader.write(first: first, length: buffer.readableBytes, into: &buffer, at: start)
            buffer.moveReaderIndex(to: start)
            return true
        }
        if framed == true { return payload }
        var buffer = context.channel.allocator.buffer(capacity: headerLength + payload.readableBytes)
        buffer.moveWriterIndex(forwardBy: headerLength)
        WebSocketFrameHeader.write(first: first, length: payload.readableBytes, into: &buffer, at: 0)
        buffer.writeBuffer(&payload)
        return buffer
    }
}

@available(*, unavailable)
extension WebSocketMQTTHandler: Sendable {}

/// A server's frame header (RFC 6455 §5.2): never masked, so 2, 4 or 10 bytes.
enum WebSocketFrameHeader {
    /// The most a server's header takes: the room a writer leaves in front of a payload.
    static let maximumLength = 10

    static func length(_ payloadLength: Int) -> Int {
        payloadLength <= 125 ? 2 : payloadLength <= 0xFFFF ? 4 : 10
    }

    static func write(first: UInt8, length: Int, into buffer: inout ByteBuffer, at index: Int) {
        buffer.setInteger(first, at: index)
        switch length {
        case ...125:
            buffer.setInteger(UInt8(length), at: index + 1)
        case ...0xFFFF:
            buffer.setInteger(UInt8(126), at: index + 1)
            buffer.setInteger(UInt16(length), at: index + 2)
        default:
            buffer.setInteger(UInt8(127), at: index + 1)
            buffer.setInteger(UInt64(length), at: index + 2)
        }
    }
}
