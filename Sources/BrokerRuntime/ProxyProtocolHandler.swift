import BrokerTLS
import ConfigModel
import NIOCore
import ProxyProtocol

/// What a PROXY protocol header said, sent up the pipeline before any of the client's bytes.
struct ProxiedConnection {
    let header: ProxyHeader
    /// The client's real address; nil for a health check (v1 UNKNOWN, v2 LOCAL), where the
    /// socket's stands.
    let address: SocketAddress?
}

/// First in the pipeline of a listener with `proxy_protocol = true`: holds the connection's
/// bytes until a whole PROXY v1 or v2 header has arrived (within `proxy_protocol_timeout`),
/// tells the handlers above who the client really is, passes on what followed the header, and
/// steps out. Anything else (no header, a malformed or oversized one, a UDP one) closes the
/// connection with one log line, before any TLS work.
final class ProxyProtocolHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let listener: ListenerState
    private let timeout: TimeAmount
    private var buffered: ByteBuffer?
    private var done = false

    init(listener: ListenerState, timeout: TimeAmount) {
        self.listener = listener
        self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
        // Never cancelled (see MQTTConnectionHandler.arm): it fires once and finds the header read.
        let handler = NIOLoopBound(WeakReference(self), eventLoop: context.eventLoop)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: timeout) {
            guard let handler = handler.value.object, !handler.done else { return }
            handler.done = true
            handler.listener.logFailure(
                "no complete PROXY protocol header within proxy_protocol_timeout; closing", peer: channel.remoteAddress)
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return context.fireChannelRead(data) }
        var bytes = unwrapInboundIn(data)
        if buffered == nil { buffered = bytes } else { buffered!.writeBuffer(&bytes) }
        switch ProxyHeaderParser.parse(buffered!.readableBytesView) {
        case .incomplete:
            return
        case .invalid(let error):
            done = true
            listener.logFailure("refused: \(error)", peer: context.channel.remoteAddress)
            context.close(promise: nil)
        case .complete(let header, let length):
            done = true
            buffered!.moveReaderIndex(forwardBy: length)
            let address = header.source.flatMap { try? SocketAddress(packedIPAddress: $0.address, port: $0.port) }
            if let address { context.fireUserInboundEventTriggered(RealPeerAddress(address)) }
            context.fireUserInboundEventTriggered(ProxiedConnection(header: header, address: address))
            let rest = buffered!
            buffered = nil
            // What followed the header goes up first; later reads pass straight through.
            if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
    }
}

extension SocketAddress {
    /// An address from its 4 or 16 bytes.
    init(packedIPAddress bytes: [UInt8], port: UInt16) throws {
        guard let text = AccessRule.addressText(bytes) else { throw SocketAddressError.unsupported }
        try self.init(ipAddress: text, port: Int(port))
    }
}
