package import BrokerTLS
package import ConfigModel
package import Logging
import NIOConcurrencyHelpers
package import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin endpoint's listeners (`dashboard.listeners.http` and `.https`) on an event loop
/// of their own, so that a scrape never runs on the broker's: it only reads a snapshot there.
package final class AdminServer: Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let routes: AdminRoutes
    private let logger: Logger
    /// The https listener's TLS context, which a reload renews (new connections get it).
    private let https = NIOLockedValueBox<TLSContext?>(nil)

    /// At most this many admin connections at once; more are closed at accept.
    static let maximumConnections = 64
    /// A request must arrive within this long of the connection or the last answer.
    static let idleTimeout = TimeAmount.seconds(30)

    package init(routes: AdminRoutes, logger: Logger) {
        self.routes = routes
        self.logger = logger
    }

    /// Binds one listener; `tls` for https. Returns the bound address.
    package func start(_ listener: DashboardConfig.Listener, tls: TLSContext?) throws -> SocketAddress {
        let routes = self.routes
        let logger = self.logger
        let scheme = tls == nil ? "http" : "https"
        let https = self.https
        if let tls { https.withLockedValue { $0 = tls } }
        let loop = group.next()
        let counter = try loop.submit { NIOLoopBound(AdminConnectionCount(), eventLoop: loop) }.wait()
        let observer = try loop.submit { NIOLoopBound(AdminTLSObserver(logger: logger), eventLoop: loop) }.wait()
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard counter.value.open < Self.maximumConnections else {
                        channel.close(promise: nil)
                        return
                    }
                    counter.value.open += 1
                    channel.closeFuture.whenComplete { _ in counter.value.open -= 1 }
                    let pipeline = channel.pipeline.syncOperations
                    if tls != nil, let context = https.withLockedValue({ $0 }) {
                        try pipeline.addHandler(TLSHandler(context: context, role: .server(observer.value), handshakeTimeout: .seconds(10)))
                    }
                    try pipeline.addHandler(IdleStateHandler(readTimeout: Self.idleTimeout))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(AdminHTTPHandler(routes: routes))
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.bind(host: listener.bind.value.address ?? "0.0.0.0", port: Int(listener.bind.value.port)).wait()
        } catch {
            let why = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            throw AdminBindError(description: "\(listener.keyPath) cannot bind \(listener.bind.value): \(why)")
        }
        let address = channel.localAddress!
        logger.notice("Admin endpoint on \(scheme)://\(address.logDescription) started (metrics, status, reload).")
        return address
    }

    /// A renewed certificate for the https listener, for connections from now on.
    package func replaceTLS(_ context: TLSContext) {
        https.withLockedValue { $0 = context }
    }

    package func shutdown() {
        try? group.syncShutdownGracefully()
    }
}

/// An admin listener that could not bind, in words.
package struct AdminBindError: Error, CustomStringConvertible {
    package let description: String
}

/// The admin connections open on one listener.
private final class AdminConnectionCount {
    var open = 0
}

/// A refused https handshake on the admin endpoint: logged, not counted.
private final class AdminTLSObserver: TLSServerObserver {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
    func handshakeCompleted() {}
    func refused(_ refusal: HandshakeRefusal, peer: SocketAddress?) {
        logger.info("admin endpoint: TLS handshake failed: \(refusal)", metadata: ["peer": "\(peer?.logDescription ?? "?")"])
    }
    func acceptedWithoutCRL(_ reason: String, peer: SocketAddress?) {}
    func failed(_ error: TLSError, peer: SocketAddress?) {}
}

/// One HTTP/1.1 connection: each request to `AdminRoutes`, answers in order (NIO's
/// pipelining handler holds the next request until this one is answered). Request bodies are
/// not read: no endpoint takes one.
final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: AdminRoutes
    private var head: HTTPRequestHead?

    init(routes: AdminRoutes) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            answer(head, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let method = head.method.rawValue
        routes.respond(
            method: method, uri: head.uri, authorization: head.headers.first(name: "authorization"), on: context.eventLoop
        ).hop(to: context.eventLoop).whenComplete { result in
            let (handler, context) = bound.value
            let response = (try? result.get()) ?? .error(500, "\(result)")
            handler.write(response, for: head, context: context)
        }
    }

    private func write(_ response: AdminRoutes.Response, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        // The status page loads nothing from anywhere: say so, and refuse framing.
        headers.add(name: "Content-Security-Policy", value: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let keepAlive = request.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension AdminHTTPHandler: Sendable {}
