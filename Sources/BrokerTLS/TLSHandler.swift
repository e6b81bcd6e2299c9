import CertTools
import ConfigModel
import Foundation
package import NIOCore

/// TLS for a channel: ciphertext below, plaintext above. Writes made before the handshake
/// completes are held and sent after it (or failed, if the channel closes first); a
/// handshake that does not finish within `handshakeTimeout` is closed. A server reports each
/// handshake and each refusal to its `TLSServerObserver`; a client starts the handshake and
/// passes a failure up the pipeline.
package final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer
    package typealias OutboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    private enum State {
        case handshaking
        /// The handshake is done but the client certificate's CRL is still being fetched: its
        /// data waits in `heldPlaintext` for the verdict.
        case awaitingRevocation
        case active
        /// `close(mode: .output)` sent close_notify: the peer may still send, we may not.
        case outputClosed
        case closed
    }

    package enum Role {
        case server(any TLSServerObserver)
        case client
    }

    private let connection: TLSConnection
    private let handshakeTimeout: TimeAmount
    private let role: Role
    private var state = State.handshaking
    private var heldWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var heldPlaintext: ByteBuffer?
    private var firstByte: UInt8?
    /// The peer's address, taken at accept: a closed channel no longer knows it.
    private var peer: SocketAddress?
    /// Ciphertext written but not flushed: flushed once per read burst, in
    /// channelReadComplete, so a handshake flight and what follows it share a syscall.
    private var unflushed = false
    /// Plaintext written since the last flush, sealed into records at the flush: a WebSocket
    /// frame's header and payload, or a burst of packets to one client, cost one record each
    /// flush, not one a write. One write is kept as it came; a second is copied after it.
    private var unsealed: ByteBuffer?
    private var unsealedPromise: EventLoopPromise<Void>?

    /// `serverName` (clients only) is sent as SNI and checked against the server's certificate.
    package init(
        context: TLSContext, role: Role, handshakeTimeout: TimeAmount, serverName: String? = nil, verifyHost: String? = nil
    ) throws {
        if case .client = role {
            self.connection = try TLSConnection(client: context, serverName: serverName, verifyHost: verifyHost)
        } else {
            self.connection = try TLSConnection(server: context)
        }
        self.handshakeTimeout = handshakeTimeout
        self.role = role
    }

    package func channelActive(context: ChannelHandlerContext) {
        peer = context.channel.remoteAddress
        // Never cancelled (cancelling a NIO scheduled task scans the loop's whole timer
        // queue): it fires once, and closes the channel only if the handshake is still going.
        let handler = NIOLoopBound(Weak(self), eventLoop: context.eventLoop)
        let pipelineContext = NIOLoopBound(Weak(context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: handshakeTimeout) {
            guard let handler = handler.value.object, case .handshaking = handler.state else { return }
            let context = pipelineContext.value.object
            if case .server(let observer) = handler.role {
                let started = handler.firstByte == nil ? "sent nothing" : "started one"
                observer.refused(
                    HandshakeRefusal(.timeout, "no TLS handshake within ssl_options.handshake_timeout (the client \(started))"),
                    peer: handler.peer)
            }
            context?.channel.close(promise: nil)
        }
        context.fireChannelActive()
        if case .client = role {
            advanceHandshake(context)  // the ClientHello
            flushIfNeeded(context)
        }
    }

    /// A PROXY header named the real client: refusals name it, not the proxy.
    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let real = event as? RealPeerAddress { peer = real.address }
        context.fireUserInboundEventTriggered(event)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        failHeldWrites()
        context.fireChannelInactive()
    }

    /// Removed from a pipeline that lives on (or torn down with it): writes still held for the
    /// handshake can never go out.
    package func handlerRemoved(context: ChannelHandlerContext) {
        state = .closed
        failHeldWrites()
        heldPlaintext = nil
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
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
        case .active, .outputClosed: holding = false
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
            if case .server(let observer) = role { observer.handshakeCompleted() }
        }
        switch result {
        case .closed: close(context)
        case .failed(let error):
            if case .server(let observer) = role {
                observer.failed(error, peer: peer)
            } else {
                context.fireErrorCaught(error)
            }
            close(context)
        default: break
        }
    }

    package func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context)
        context.fireChannelReadComplete()
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = unwrapOutboundIn(data)
        switch state {
        case .handshaking, .awaitingRevocation: heldWrites.append((plaintext, promise))
        case .active: hold(plaintext, promise: promise)
        case .outputClosed: promise?.fail(ChannelError.outputClosed)
        case .closed: promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    package func flush(context: ChannelHandlerContext) {
        if case .active = state { seal(context) }
        context.flush()
    }

    private func hold(_ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?) {
        unsealed.setOrWriteImmutableBuffer(plaintext)
        guard let promise else { return }
        if let first = unsealedPromise { first.futureResult.cascade(to: promise) } else { unsealedPromise = promise }
    }

    /// What was written since the last flush, encrypted in one go.
    private func seal(_ context: ChannelHandlerContext) {
        guard let plaintext = unsealed else { return }
        let promise = unsealedPromise
        unsealed = nil
        unsealedPromise = nil
        encrypt(plaintext, promise: promise, context: context)
    }

    /// `.all` sends close_notify (once the session is up) and closes; `.output` sends
    /// close_notify and half-closes, so the peer's last data can still be read; `.input`
    /// cannot be done to a TLS session.
    package func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch (mode, state) {
        case (.input, _):
            promise?.fail(ChannelError.operationUnsupported)
        case (.output, .active):
            sendCloseNotify(context)
            state = .outputClosed
            context.close(mode: .output, promise: promise)
        default:
            if case .active = state { sendCloseNotify(context) }
            state = .closed
            failHeldWrites()
            context.close(mode: .all, promise: promise)
        }
    }

    private func sendCloseNotify(_ context: ChannelHandlerContext) {
        seal(context)
        connection.shutdown()
        flushCiphertext(context)
        context.flush()
    }

    private func failHeldWrites() {
        let held = heldWrites
        heldWrites.removeAll()
        for (_, promise) in held { promise?.fail(ChannelError.ioOnClosedChannel) }
        unsealed = nil
        let promise = unsealedPromise
        unsealedPromise = nil
        promise?.fail(ChannelError.ioOnClosedChannel)
    }

    /// One step of the handshake with what has arrived; on completion the held writes go out.
    private func advanceHandshake(_ context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .incomplete:
            flushCiphertext(context)
        case .complete:
            flushCiphertext(context)
            if case .server(let observer) = role, let check = connection.revocationCheck {
                for reason in check.acceptedWithout { observer.acceptedWithoutCRL(reason, peer: peer) }
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
            case .server(let observer): observer.refused(refusalReason(error), peer: peer)
            case .client: context.fireErrorCaught(error)
            }
            flushCiphertext(context)  // the alert, if OpenSSL made one
            close(context)
        }
    }

    private func becomeActive(_ context: ChannelHandlerContext) {
        state = .active
        context.fireUserInboundEventTriggered(connection.peerIdentity)
        let held = heldWrites
        heldWrites.removeAll()
        for (buffer, promise) in held { encrypt(buffer, promise: promise, context: context) }
        unflushed = unflushed || !held.isEmpty
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
        guard case .awaitingRevocation = state, case .server(let observer) = role, let box = connection.crlChecking else { return }
        let verdict = RevocationVerdict.judge(
            connection.verifiedChain, crls: box.cache.crls(issuerNameDER:), now: Date(),
            unavailableReason: { RevocationCheck.reason(for: $0, cache: box.cache) })
        switch verdict {
        case .good:
            break
        case .revoked(let why):
            observer.refused(HandshakeRefusal(.revoked, "the client certificate is revoked: \(why)"), peer: peer)
            close(context)
            return
        case .unavailable(let why):
            guard box.policy == .failOpen else {
                observer.refused(RevocationCheck.Refusal.unavailable(why).handshakeRefusal, peer: peer)
                close(context)
                return
            }
            observer.acceptedWithoutCRL(why, peer: peer)
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
        failHeldWrites()
        context.close(promise: nil)
    }

    /// Why a handshake failed, in words a user can act on.
    private func refusalReason(_ error: TLSError) -> HandshakeRefusal {
        if let refusal = connection.revocationCheck?.refusal { return refusal.handshakeRefusal }
        let reason = HandshakeFailure.explain(error, firstByte: firstByte)
        guard error.code == .noSharedCipher else { return reason }
        return HandshakeRefusal(reason.cause, reason.description + HandshakeFailure.offered(connection.offeredCiphers()))
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}

/// A weak reference for a timer's closure, so a handler that went away is not kept alive by
/// a timer that will find nothing left to do.
private final class Weak<Object: AnyObject> {
    weak var object: Object?

    init(_ object: Object) { self.object = object }
}
