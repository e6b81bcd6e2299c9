import NIOCore
import NIOHTTP1
import NIOWebSocket

/// `bench --ws`: a client connection speaks MQTT over WebSocket. NIOHTTP1's client upgrade
/// with NIOWebSocket's upgrader sends the request (`path`, subprotocol `mqtt`); once upgraded,
/// `WebSocketClientBridge` carries the MQTT bytes in masked binary frames and the bench client
/// takes over.
enum WebSocketClient {
    static func configure(
        _ channel: any Channel, host: String, path: String, then start: @escaping @Sendable (any Channel) throws -> Void
    ) throws {
        let upgrader = NIOWebSocketClientUpgrader(
            maxFrameSize: 1 << 24,
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketClientBridge())
                    try start(channel)
                }
            })
        try channel.pipeline.syncOperations.addHTTPClientHandlers(
            withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
        try channel.pipeline.syncOperations.addHandler(UpgradeRequest(host: host, path: path))
    }
}

/// Sends the upgrade request once the connection (and its TLS) is up.
private final class UpgradeRequest: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let host: String
    let path: String

    init(host: String, path: String) {
        self.host = host
        self.path = path
    }

    func channelActive(context: ChannelHandlerContext) {
        let headers: HTTPHeaders = ["Host": host, "Sec-WebSocket-Protocol": "mqtt", "Content-Length": "0"]
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }
}

/// MQTT bytes out in masked binary frames (RFC 6455 §5.3: a client masks), frames in as bytes.
private final class WebSocketClientBridge: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private var generator = SystemRandomNumberGenerator()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .continuation: context.fireChannelRead(wrapInboundOut(frame.unmaskedData))
        case .connectionClose: context.close(promise: nil)
        default: break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let key = WebSocketMaskingKey.random(using: &generator)
        let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: key, data: unwrapOutboundIn(data))
        context.write(wrapOutboundOut(frame), promise: promise)
    }
}
