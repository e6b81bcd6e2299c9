import ConfigModel
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The upgrade from HTTP to MQTT over WebSocket. The handshake's checks and its
/// Sec-WebSocket-Accept are NIOWebSocket's (its server upgrader, asked through
/// `WebSocketUpgradePolicy`), with permessage-deflate agreed when the listener compresses and
/// the client offers it; the pipeline after it is ours: `WebSocketMQTTHandler`, whose
/// framing costs no handler of its own, and the MQTT handler tcp and ssl have.
struct MQTTWebSocketUpgrader: HTTPServerProtocolUpgrader {
    let supportedProtocol = "websocket"
    let requiredUpgradeHeaders: [String] = []

    private let handshake: NIOWebSocketServerUpgrader
    private let config: WebSocketConfig
    private let listener: NIOLoopBound<ListenerState>
    /// The handler that answers requests that are not upgrades: gone once one is.
    private let refusal: NIOLoopBound<WebSocketRefusalHandler>
    /// Adds the handlers above ours once the upgrade is answered.
    private let upgraded: @Sendable (ChannelPipeline.SynchronousOperations, HTTPRequestHead) throws -> Void

    init(
        config: WebSocketConfig, listener: NIOLoopBound<ListenerState>, refusal: NIOLoopBound<WebSocketRefusalHandler>,
        upgraded: @escaping @Sendable (ChannelPipeline.SynchronousOperations, HTTPRequestHead) throws -> Void
    ) {
        self.config = config
        self.listener = listener
        self.refusal = refusal
        self.upgraded = upgraded
        let policy = WebSocketUpgradePolicy(config: config)
        handshake = NIOWebSocketServerUpgrader(
            shouldUpgrade: { channel, head in
                switch policy.decide(uri: head.uri, headers: head.headers) {
                case .upgrade(let subprotocol):
                    var headers = HTTPHeaders()
                    if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
                    if let deflate = Self.deflate(head, config: config) {
                        headers.add(name: "Sec-WebSocket-Extensions", value: deflate.responseHeader)
                    }
                    return channel.eventLoop.makeSucceededFuture(headers)
                case .refuse:
                    // WebSocketRefusalHandler answers with the status and why.
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
            },
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() })
    }

    func buildUpgradeResponse(channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders)
        -> EventLoopFuture<HTTPHeaders>
    {
        handshake.buildUpgradeResponse(channel: channel, upgradeRequest: upgradeRequest, initialResponseHeaders: initialResponseHeaders)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        context.eventLoop.makeCompletedFuture {
            let pipeline = context.pipeline.syncOperations
            pipeline.removeHandler(refusal.value, promise: nil)
            let codec = try Self.deflate(upgradeRequest, config: config).map { try DeflateCodec($0, options: config.deflate) }
            try pipeline.addHandler(
                WebSocketMQTTHandler(
                    maxFrameSize: config.maxFrameSize ?? Int.max, deflate: codec,
                    idleTimeout: config.idleTimeout.map { .milliseconds($0.milliseconds) }, listener: listener.value))
            try upgraded(pipeline, upgradeRequest)
        }
    }

    /// What permessage-deflate the request and the listener agree on: nil unless it compresses.
    private static func deflate(_ head: HTTPRequestHead, config: WebSocketConfig) -> PerMessageDeflate? {
        guard config.compress else { return nil }
        return PerMessageDeflate.negotiate(
            head.headers[canonicalForm: "sec-websocket-extensions"].map(String.init), options: config.deflate)
    }
}
