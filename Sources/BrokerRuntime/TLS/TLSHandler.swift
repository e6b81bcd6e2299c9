import Logging
import NIOCore

/// TLS for a channel: ciphertext below, plaintext above. Writes made before the handshake
/// completes are held and sent after it; a handshake that does not finish within
/// `handshakeTimeout` is closed. A server logs each failed handshake in plain words (rate
/// limited per listener); a client starts the handshake and passes a failure up the pipeline.
final class TLSHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case handshaking
        case active
        case closed
    }

    enum Role {
        case server(listener: ListenerState, logger: Logger)
        case client
    }

    private let connection: TLSConnection
    private let handshakeTimeout: TimeAmount
    private let role: Role
    private var state = State.handshaking
    private var heldWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var timeout: Scheduled<Void>?
    private var firstByte: UInt8?
    /// Ciphertext written but not flushed: flushed once per read burst, in
    /// channelReadComplete, so a handshake flight and what follows it share a syscall.
    private var unflushed = false

    /// `serverName` (clients only) is sent as SNI and checked against the server's certificate.
    init(context: TLSContext, role: Role, handshakeTimeout: TimeAmount, serverName: String? = nil) throws {
        if case .client = role {
            self.connection = try TLSConnection(client: context, serverName: serverName)
        } else {
            self.connection = try TLSConnection(server: context)
        }
        self.handshakeTimeout = handshakeTimeout
        self.role = role
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        timeout = context.eventLoop.scheduleTask(in: handshakeTimeout) { channel.close(promise: nil) }
        context.fireChannelActive()
        if case .client = role {
            advanceHandshake(context)  // the ClientHello
            flushIfNeeded(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        state = .closed
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        if firstByte == nil { firstByte = ciphertext.getInteger(at: ciphertext.readerIndex, as: UInt8.self) }
        connection.receive(ciphertext)
        var completedHandshake = false
        if case .handshaking = state {
            advanceHandshake(context)
            completedHandshake = true
        }
        guard case .active = state else { return }
        var plaintext = context.channel.allocator.buffer(capacity: ciphertext.readableBytes)
        let result = connection.readPlaintext(into: &plaintext)
        if plaintext.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(plaintext)) }
        flushCiphertext(context)
        if completedHandshake {
            connection.releaseHandshakeBuffers()
            if case .server(let listener, _) = role { listener.handshakeCompleted() }
        }
        switch result {
        case .closed: close(context)
        case .failed(let error):
            if case .server(let listener, let logger) = role {
                logger.info(
                    "TLS error",
                    metadata: [
                        "listener": "\(listener.id)", "peer": "\(context.remoteAddress?.logDescription ?? "?")", "reason": "\(error)",
                    ])
            } else {
                context.fireErrorCaught(error)
            }
            close(context)
        default: break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context)
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = unwrapOutboundIn(data)
        switch state {
        case .handshaking: heldWrites.append((plaintext, promise))
        case .active: encrypt(plaintext, promise: promise, context: context)
        case .closed: promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if case .active = state {
            connection.shutdown()
            flushCiphertext(context)
            context.flush()
        }
        state = .closed
        context.close(mode: mode, promise: promise)
    }

    /// One step of the handshake with what has arrived; on completion the held writes go out.
    private func advanceHandshake(_ context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .incomplete:
            flushCiphertext(context)
        case .complete:
            state = .active
            timeout?.cancel()
            flushCiphertext(context)
            for (buffer, promise) in heldWrites { encrypt(buffer, promise: promise, context: context) }
            unflushed = unflushed || !heldWrites.isEmpty
            heldWrites.removeAll()
        case .closed:
            close(context)
        case .failed(let error):
            switch role {
            case .server(let listener, let logger): logFailure(error, listener: listener, logger: logger, context: context)
            case .client: context.fireErrorCaught(error)
            }
            flushCiphertext(context)  // the alert, if OpenSSL made one
            close(context)
        }
    }

    private func encrypt(_ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        if case .failed(let error) = connection.writePlaintext(plaintext) {
            promise?.fail(error)
            return
        }
        if let ciphertext = connection.drainCiphertext(allocator: context.channel.allocator) {
            context.write(wrapOutboundOut(ciphertext), promise: promise)
        } else {
            promise?.succeed()
        }
    }

    /// Writes what OpenSSL has produced; the flush comes with the end of the read burst.
    private func flushCiphertext(_ context: ChannelHandlerContext) {
        guard let ciphertext = connection.drainCiphertext(allocator: context.channel.allocator) else { return }
        context.write(wrapOutboundOut(ciphertext), promise: nil)
        unflushed = true
    }

    private func flushIfNeeded(_ context: ChannelHandlerContext) {
        guard unflushed else { return }
        unflushed = false
        context.flush()
    }

    private func close(_ context: ChannelHandlerContext) {
        flushIfNeeded(context)  // an alert, say
        state = .closed
        context.close(promise: nil)
    }

    /// One line per failed handshake (rate-limited per listener): who, and why in words a
    /// user can act on.
    private func logFailure(_ error: TLSError, listener: ListenerState, logger: Logger, context: ChannelHandlerContext) {
        var reason = HandshakeFailure.explain(error, firstByte: firstByte)
        if error.openSSLReasons.contains(where: { $0.contains("no shared cipher") }) {
            reason += HandshakeFailure.offered(connection.offeredCiphers())
        }
        guard let line = listener.failureLine("TLS handshake failed: \(reason)") else { return }
        logger.warning(
            "\(line)", metadata: ["listener": "\(listener.id)", "peer": "\(context.remoteAddress?.logDescription ?? "?")"])
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
