import Logging
import NIOCore
import NIOHTTP1

/// The first handler of a ws or wss connection, until it is an MQTT WebSocket: admits it at
/// accept (access_rules, max_connections, max_conn_rate, as tcp and ssl do, before TLS),
/// gives the HTTP upgrade until `deadline` (counted from accept), keeps what the layers below
/// said of the peer (the TLS identity, a PROXY header) for the MQTT handler that comes with
/// the upgrade, and then hands the connection's place in the listener's count to it.
final class WebSocketAcceptHandler: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let listener: ListenerState
    private let deadline: TimeAmount
    private var events: [Any] = []
    private var admitted = false
    private var handedOver = false

    init(listener: ListenerState, deadline: TimeAmount) {
        self.listener = listener
        self.deadline = deadline
    }

    func channelActive(context: ChannelHandlerContext) {
        guard listener.admitLogging(context.channel.remoteAddress, now: context.eventLoop.now) else {
            context.close(promise: nil)
            return
        }
        admitted = true
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: deadline) {
            let (handler, context) = bound.value
            guard !handler.handedOver, context.channel.isActive else { return }
            handler.listener.log(.info, "no WebSocket upgrade within mqtt.idle_timeout; closing", peer: context.channel.remoteAddress)
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted, !handedOver { listener.leave() }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !handedOver { events.append(event) }
        context.fireUserInboundEventTriggered(event)
    }

    /// The upgrade is done and the MQTT handler is in place: it counts the connection from
    /// now on, and hears again what was said of the peer before it came, then who the
    /// upgrade's proxy headers say the client is.
    func handOver(context: ChannelHandlerContext, forwarded: ForwardedClient?) {
        handedOver = true
        for event in events { context.fireUserInboundEventTriggered(event) }
        events = []
        if let forwarded { context.fireUserInboundEventTriggered(forwarded) }
    }
}

@available(*, unavailable)
extension WebSocketAcceptHandler: Sendable {}

/// Answers an HTTP request on a ws or wss listener that did not become a WebSocket: 404 for
/// another path, 403 for an origin not allowed, 400 without a usable subprotocol, 426 when it
/// asked for no upgrade; then closes.
final class WebSocketRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let policy: WebSocketUpgradePolicy
    private let listener: ListenerState
    private var head: HTTPRequestHead?

    init(policy: WebSocketUpgradePolicy, listener: ListenerState) {
        self.policy = policy
        self.listener = listener
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            var (status, reason): (HTTPResponseStatus, String)
            switch policy.decide(uri: head.uri, headers: head.headers) {
            case .refuse(let refusal, let why): (status, reason) = (refusal, why)
            case .upgrade: (status, reason) = (.upgradeRequired, "MQTT here needs a WebSocket upgrade (Upgrade: websocket)")
            }
            listener.logFailure("WebSocket refused: HTTP \(status.code): \(reason)", peer: context.channel.remoteAddress)
            let body = context.channel.allocator.buffer(string: reason + "\n")
            var headers: HTTPHeaders = ["Content-Type": "text/plain; charset=utf-8", "Connection": "close"]
            headers.add(name: "Content-Length", value: "\(body.readableBytes)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension WebSocketRefusalHandler: Sendable {}
