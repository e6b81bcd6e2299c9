import Logging
import NIOCore

/// TLS for a server channel: ciphertext below, plaintext above. Writes made before the
/// handshake completes are held and sent after it; a handshake that does not finish within
/// `handshakeTimeout` is closed; every failed handshake is logged once, in plain words.
final class OpenSSLServerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case handshaking
        case active
        case closed
    }

    private let connection: TLSConnection
    private let handshakeTimeout: TimeAmount
    private let logger: Logger
    private let listener: ListenerState
    private var state = State.handshaking
    private var heldWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var timeout: Scheduled<Void>?
    private var firstByte: UInt8?

    init(context: TLSContext, handshakeTimeout: TimeAmount, listener: ListenerState, logger: Logger) throws {
        self.connection = try TLSConnection(context: context)
        self.handshakeTimeout = handshakeTimeout
        self.listener = listener
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        timeout = context.eventLoop.scheduleTask(in: handshakeTimeout) { channel.close(promise: nil) }
        context.fireChannelActive()
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
        if case .handshaking = state {
            switch connection.handshake() {
            case .incomplete:
                flushCiphertext(context)
                return
            case .complete:
                state = .active
                timeout?.cancel()
                flushCiphertext(context)
                for (buffer, promise) in heldWrites { encrypt(buffer, promise: promise, context: context) }
                heldWrites.removeAll()
                context.flush()
            case .closed:
                return close(context)
            case .failed(let error):
                logFailure(error, context: context)
                flushCiphertext(context)  // the alert, if OpenSSL made one
                return close(context)
            }
        }
        guard case .active = state else { return }
        var plaintext = context.channel.allocator.buffer(capacity: 0)
        let result = connection.readPlaintext(into: &plaintext)
        if plaintext.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(plaintext)) }
        flushCiphertext(context)
        switch result {
        case .closed: close(context)
        case .failed(let error):
            logger.info(
                "TLS error",
                metadata: ["listener": "\(listener.id)", "peer": "\(context.remoteAddress?.logDescription ?? "?")", "reason": "\(error)"])
            close(context)
        default: break
        }
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

    private func flushCiphertext(_ context: ChannelHandlerContext) {
        guard let ciphertext = connection.drainCiphertext(allocator: context.channel.allocator) else { return }
        context.writeAndFlush(wrapOutboundOut(ciphertext), promise: nil)
    }

    private func close(_ context: ChannelHandlerContext) {
        state = .closed
        context.close(promise: nil)
    }

    /// One line per failed handshake (rate-limited per listener): who, and why in words a
    /// user can act on.
    private func logFailure(_ error: TLSError, context: ChannelHandlerContext) {
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
extension OpenSSLServerHandler: Sendable {}

/// Plain words for OpenSSL's handshake failures (user-needs #3).
enum HandshakeFailure {
    static let pskMismatch = "the client's pre-shared key differs from the store's for its identity (raw or hex? see secret_encoding)"

    /// "; the client offered …", at most eight names.
    static func offered(_ ciphers: [String]) -> String {
        guard !ciphers.isEmpty else { return "" }
        let shown = ciphers.prefix(8).joined(separator: ", ")
        return "; the client offered \(shown)\(ciphers.count > 8 ? " and \(ciphers.count - 8) more" : "")"
    }

    static func explain(_ error: TLSError, firstByte: UInt8?) -> String {
        if firstByte == 0x10 { return "a plaintext MQTT client connected to a TLS port (use the tcp listener, or TLS in the client)" }
        if let byte = firstByte, byte == UInt8(ascii: "G") || byte == UInt8(ascii: "P") {
            return "an HTTP request arrived on an MQTT TLS port"
        }
        let reasons = error.openSSLReasons.joined(separator: "; ")
        let known: [(String, String)] = [
            (
                "no shared cipher",
                "no shared cipher: the client offered no suite this listener allows (check ssl_options.ciphers and the key type)"
            ),
            ("peer did not return a certificate", "the client sent no certificate, and fail_if_no_peer_cert requires one"),
            ("certificate required", "the client sent no certificate, and fail_if_no_peer_cert requires one"),
            ("unsupported protocol", "the client's TLS versions and ssl_options.versions do not overlap"),
            ("wrong version number", "the client does not speak a TLS version this listener allows"),
            (
                "certificate verify failed",
                "the client's certificate did not verify against cacertfile (unknown CA, expired, or wrong purpose)"
            ),
            ("tlsv1 alert unknown ca", "the client does not trust this server's CA (give it cacert.pem)"),
            ("sslv3 alert certificate expired", "the client says a certificate has expired"),
            ("http request", "an HTTP request arrived on an MQTT TLS port"),
            ("psk identity not found", "unknown PSK identity: it is not in the PSK store"),
            ("binder does not verify", pskMismatch),
            ("decryption failed or bad record mac", pskMismatch),
            // TLS 1.3: OpenSSL reports a refused external PSK identity as a bad extension.
            ("bad extension", "unknown PSK identity, or a malformed pre_shared_key extension"),
        ]
        for (needle, sentence) in known where reasons.contains(needle) { return sentence }
        return reasons.isEmpty ? error.reason : reasons
    }
}
