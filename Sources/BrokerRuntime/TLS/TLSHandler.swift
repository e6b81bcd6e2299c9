import ConfigModel
import Foundation
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
        /// The handshake is done but the client certificate's CRL is still being fetched: its
        /// data waits in `heldPlaintext` for the verdict.
        case awaitingRevocation
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
    private var heldPlaintext: ByteBuffer?
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
        // Never cancelled (cancelling a NIO scheduled task scans the loop's whole timer
        // queue): it fires once, and closes the channel only if the handshake is still going.
        let handler = NIOLoopBound(WeakReference(self), eventLoop: context.eventLoop)
        let pipelineContext = NIOLoopBound(WeakReference(context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: handshakeTimeout) {
            guard let handler = handler.value.object, case .handshaking = handler.state else { return }
            pipelineContext.value.object?.channel.close(promise: nil)
        }
        context.fireChannelActive()
        if case .client = role {
            advanceHandshake(context)  // the ClientHello
            flushIfNeeded(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
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
        let holding: Bool
        switch state {
        case .active: holding = false
        case .awaitingRevocation: holding = true
        case .handshaking, .closed: return
        }
        var plaintext = context.channel.allocator.buffer(capacity: ciphertext.readableBytes)
        let result = connection.readPlaintext(into: &plaintext)
        if holding {
            heldPlaintext.setOrWriteImmutableBuffer(plaintext)
        } else if plaintext.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(plaintext))
        }
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
        case .handshaking, .awaitingRevocation: heldWrites.append((plaintext, promise))
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
            flushCiphertext(context)
            if case .server(let listener, let logger) = role, let check = connection.revocationCheck {
                for reason in check.acceptedWithout {
                    logFailOpen(reason, listener: listener, logger: logger, context: context)
                }
                if !check.pendingPoints.isEmpty {
                    state = .awaitingRevocation
                    awaitRevocation(check, context: context)
                    return
                }
            }
            becomeActive(context)
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

    private func becomeActive(_ context: ChannelHandlerContext) {
        state = .active
        for (buffer, promise) in heldWrites { encrypt(buffer, promise: promise, context: context) }
        unflushed = unflushed || !heldWrites.isEmpty
        heldWrites.removeAll()
    }

    /// Fetches the distribution points the handshake met for the first time, then judges the
    /// client's chain: its data goes up only if it passes.
    private func awaitRevocation(_ check: RevocationCheck, context: ChannelHandlerContext) {
        guard let box = connection.crlChecking else { return }
        let fetches = check.pendingPoints.map { box.cache.fetch($0) }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        EventLoopFuture.andAllComplete(fetches, on: context.eventLoop).whenComplete { _ in
            let (handler, context) = bound.value
            handler.judgeRevocation(context)
        }
    }

    private func judgeRevocation(_ context: ChannelHandlerContext) {
        guard case .awaitingRevocation = state, case .server(let listener, let logger) = role, let box = connection.crlChecking else {
            return
        }
        let verdict = RevocationVerdict.judge(
            connection.verifiedChain, crls: box.cache.crls(issuerNameDER:), now: Date(),
            unavailableReason: { RevocationCheck.reason(for: $0, cache: box.cache) })
        switch verdict {
        case .good:
            break
        case .revoked(let why):
            logRefusal("the client certificate is revoked: \(why)", listener: listener, logger: logger, context: context)
            close(context)
            return
        case .unavailable(let why):
            guard box.policy == .failOpen else {
                logRefusal("\(RevocationCheck.Refusal.unavailable(why))", listener: listener, logger: logger, context: context)
                close(context)
                return
            }
            logFailOpen(why, listener: listener, logger: logger, context: context)
        }
        becomeActive(context)
        if let held = heldPlaintext, held.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(held))
            context.fireChannelReadComplete()  // the end of this (late) read burst: handlers flush
        }
        heldPlaintext = nil
        flushIfNeeded(context)
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
        if let refusal = connection.revocationCheck?.refusal { reason = "\(refusal)" }
        if error.openSSLReasons.contains(where: { $0.contains("no shared cipher") }) {
            reason += HandshakeFailure.offered(connection.offeredCiphers())
        }
        logRefusal(reason, listener: listener, logger: logger, context: context)
    }

    private func logRefusal(_ reason: String, listener: ListenerState, logger: Logger, context: ChannelHandlerContext) {
        guard let line = listener.failureLine("TLS handshake failed: \(reason)") else { return }
        logger.warning(
            "\(line)", metadata: ["listener": "\(listener.id)", "peer": "\(context.remoteAddress?.logDescription ?? "?")"])
    }

    private func logFailOpen(_ reason: String, listener: ListenerState, logger: Logger, context: ChannelHandlerContext) {
        guard let line = listener.failureLine("client accepted without a CRL check (crl_unavailable = fail_open): \(reason)") else {
            return
        }
        logger.warning(
            "\(line)", metadata: ["listener": "\(listener.id)", "peer": "\(context.remoteAddress?.logDescription ?? "?")"])
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
