package import BrokerTLS
package import NIOCore
package import NIOHTTP1
import NIOPosix

/// Keep-alive HTTP/1.1 connections to one backend, up to `size`, each carrying one request at
/// a time; a request waits for a free connection when all are busy. Over TLS, each connection
/// is our OpenSSL handler in client mode, so a handshake is paid once per connection, not per
/// CONNECT (`handshakes` counts them). Lives on one event loop; callers on others hop to it.
package final class HTTPConnectionPool: Sendable {
    package struct Endpoint: Sendable {
        let host: String
        let port: Int
        let tls: TLSContext?
        let serverName: String?
        let verifyHost: String?
        let connectTimeout: TimeAmount

        package init(host: String, port: Int, tls: TLSContext?, serverName: String?, verifyHost: String?, connectTimeout: TimeAmount) {
            self.host = host
            self.port = port
            self.tls = tls
            self.serverName = serverName
            self.verifyHost = verifyHost
            self.connectTimeout = connectTimeout
        }
    }

    package struct Response: Sendable {
        package let status: Int
        package let contentType: String?
        package let body: [UInt8]
    }

    package let eventLoop: any EventLoop
    private let endpoint: Endpoint
    private let size: Int
    private let state: NIOLoopBoundBox<State>

    private struct State {
        var idle: [any Channel] = []
        var open = 0
        /// Requests waiting for a connection; each gets one and whether it carried a request before.
        var waiting: [EventLoopPromise<(any Channel, reused: Bool)>] = []
        var handshakes = 0
        var closed = false
    }

    package init(endpoint: Endpoint, size: Int, eventLoop: any EventLoop) {
        self.endpoint = endpoint
        self.size = size
        self.eventLoop = eventLoop
        self.state = NIOLoopBoundBox.makeBoxSendingValue(State(), eventLoop: eventLoop)
    }

    /// Connections opened so far (each a TLS handshake over https).
    var handshakes: EventLoopFuture<Int> { eventLoop.submit { self.state.value.handshakes } }

    /// Sends one request; fails on a connection error, a TLS failure, or `timeout`.
    package func send(_ head: HTTPRequestHead, body: [UInt8], timeout: TimeAmount) -> EventLoopFuture<Response> {
        eventLoop.flatSubmit {
            let promise = self.eventLoop.makePromise(of: Response.self)
            let deadline = self.eventLoop.scheduleTask(in: timeout) {
                promise.fail(HTTPPoolError("no answer within \(timeout.nanoseconds / 1_000_000) ms (request_timeout)"))
            }
            let request = PendingRequest()
            promise.futureResult.whenComplete { _ in request.settled = true }
            self.attempt(head, body: body, promise: promise, request: request, retryIfStale: true)
            promise.futureResult.whenComplete { _ in deadline.cancel() }
            return promise.futureResult
        }
    }

    /// Sends on a leased connection. A kept-alive connection the server closed while it sat
    /// idle fails before any response arrives; the request then goes once more on a new one
    /// (as EMQX's client retries a closed connection), which is safe because the server never
    /// saw it.
    private func attempt(
        _ head: HTTPRequestHead, body: [UInt8], promise: EventLoopPromise<Response>, request: PendingRequest, retryIfStale: Bool
    ) {
        lease().whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(error)
            case .success(let (channel, reused)):
                // A request timed out mid-flight: its connection cannot carry another.
                promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
                let exchange = self.eventLoop.makePromise(of: Response.self)
                exchange.futureResult.whenComplete { outcome in
                    switch outcome {
                    case .success(let response):
                        if channel.isActive { self.release(channel) } else { self.discard(channel) }
                        promise.succeed(response)
                    case .failure(let error as HTTPPoolError) where error.beforeResponse && reused && retryIfStale && !request.settled:
                        self.discard(channel)
                        self.attempt(head, body: body, promise: promise, request: request, retryIfStale: false)
                    case .failure(let error):
                        self.discard(channel)
                        promise.fail(error)
                    }
                }
                channel.pipeline.handler(type: HTTPExchangeHandler.self).whenComplete {
                    switch $0 {
                    case .success(let handler): handler.start(HTTPExchange(head: head, body: body, promise: exchange), on: channel)
                    case .failure(let error): exchange.fail(error)
                    }
                }
            }
        }
    }

    package func close() {
        eventLoop.execute {
            self.state.value.closed = true
            for channel in self.state.value.idle { channel.close(promise: nil) }
            self.state.value.idle = []
            for waiter in self.state.value.waiting { waiter.fail(HTTPPoolError("the broker is stopping")) }
            self.state.value.waiting = []
        }
    }

    // MARK: Leasing (on the loop)

    /// A connection, and whether it carried a request before.
    private func lease() -> EventLoopFuture<(any Channel, reused: Bool)> {
        if state.value.closed { return eventLoop.makeFailedFuture(HTTPPoolError("the broker is stopping")) }
        while let channel = state.value.idle.popLast() {
            if channel.isActive { return eventLoop.makeSucceededFuture((channel, true)) }
            state.value.open -= 1
        }
        guard state.value.open < size else {
            let promise = eventLoop.makePromise(of: (any Channel, reused: Bool).self)
            state.value.waiting.append(promise)
            return promise.futureResult
        }
        state.value.open += 1
        return connect().map { ($0, false) }.flatMapErrorThrowing { error in
            self.state.value.open -= 1
            self.wakeWaiter()
            throw error
        }
    }

    private func release(_ channel: any Channel) {
        if !state.value.waiting.isEmpty {
            state.value.waiting.removeFirst().succeed((channel, true))
        } else {
            state.value.idle.append(channel)
        }
    }

    private func discard(_ channel: any Channel) {
        channel.close(promise: nil)
        state.value.open -= 1
        wakeWaiter()
    }

    /// A slot freed: the first waiter gets a new connection.
    private func wakeWaiter() {
        guard !state.value.waiting.isEmpty, state.value.open < size else { return }
        let waiter = state.value.waiting.removeFirst()
        state.value.open += 1
        connect().whenComplete { result in
            switch result {
            case .success(let channel): waiter.succeed((channel, false))
            case .failure(let error):
                self.state.value.open -= 1
                waiter.fail(error)
                self.wakeWaiter()
            }
        }
    }

    private func connect() -> EventLoopFuture<any Channel> {
        let endpoint = self.endpoint
        // Over TLS, settled when the handshake completes or fails (or the channel goes first).
        let ready = endpoint.tls == nil ? nil : eventLoop.makePromise(of: Void.self)
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(endpoint.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls = endpoint.tls {
                        try pipeline.addHandler(
                            TLSHandler(
                                context: tls, role: .client, handshakeTimeout: endpoint.connectTimeout, serverName: endpoint.serverName,
                                verifyHost: endpoint.verifyHost))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(HTTPExchangeHandler(ready: ready))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .flatMapError { error in
                ready?.fail(error)  // a channel that was never made has no handler to settle it
                return self.eventLoop.makeFailedFuture(HTTPPoolError("cannot connect: \(HTTPPoolError.plain(error))"))
            }
            .flatMap { channel in
                guard let ready else {
                    self.state.value.handshakes += 1
                    return self.eventLoop.makeSucceededFuture(channel)
                }
                // The handshake runs on connect; a failure arrives as an error in the pipeline.
                return ready.futureResult.map {
                    self.state.value.handshakes += 1
                    return channel
                }.flatMapError { error in
                    channel.close(promise: nil)
                    return self.eventLoop.makeFailedFuture(error)
                }
            }
    }
}

/// Whether a request was answered or timed out; only touched on the pool's loop.
private final class PendingRequest: @unchecked Sendable {
    var settled = false
}

/// One request in flight on a connection.
struct HTTPExchange {
    let head: HTTPRequestHead
    let body: [UInt8]
    let promise: EventLoopPromise<HTTPConnectionPool.Response>
}

/// Collects the response to the exchange in flight; the first of end, error or close settles
/// it. With TLS, `ready` settles when the handshake completes or fails.
final class HTTPExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var current: HTTPExchange?
    private var status = 0
    private var contentType: String?
    private var body: [UInt8] = []
    private var ready: EventLoopPromise<Void>?
    private static let maximumBodySize = 64 * 1024

    init(ready: EventLoopPromise<Void>?) { self.ready = ready }

    /// TLS: the handshake completed (the handler says so before any data).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSPeerIdentity {
            ready?.succeed()
            ready = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func start(_ exchange: HTTPExchange, on channel: any Channel) {
        current = exchange
        status = 0
        contentType = nil
        body = []
        var head = exchange.head
        head.headers.replaceOrAdd(name: "content-length", value: "\(exchange.body.count)")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if !exchange.body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: exchange.body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            contentType = head.headers.first(name: "content-type")
        case .body(let part):
            guard body.count + part.readableBytes <= Self.maximumBodySize else {
                fail(HTTPPoolError("the response is larger than \(Self.maximumBodySize) bytes"), context: context)
                return
            }
            body.append(contentsOf: part.readableBytesView)
        case .end:
            let exchange = current
            current = nil
            exchange?.promise.succeed(.init(status: status, contentType: contentType, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(HTTPPoolError(HTTPPoolError.plain(error), beforeResponse: current != nil && status == 0), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ready?.fail(HTTPPoolError("the server closed the connection during the TLS handshake"))
        ready = nil
        current?.promise.fail(HTTPPoolError("the server closed the connection before the response ended", beforeResponse: status == 0))
        current = nil
        context.fireChannelInactive()
    }

    /// A channel that never connected, or closed: nothing may be left waiting.
    func handlerRemoved(context: ChannelHandlerContext) {
        ready?.fail(HTTPPoolError("the connection closed before the TLS handshake completed"))
        ready = nil
        current?.promise.fail(HTTPPoolError("the connection closed before the response ended"))
        current = nil
    }

    private func fail(_ error: HTTPPoolError, context: ChannelHandlerContext) {
        ready?.fail(error)
        ready = nil
        current?.promise.fail(error)
        current = nil
        context.close(promise: nil)
    }
}

/// Why a request to the backend failed, in words for a log line.
struct HTTPPoolError: Error, CustomStringConvertible {
    let description: String
    /// The connection failed before any of the response arrived (a kept-alive connection the
    /// server had closed): the request may go again on another.
    let beforeResponse: Bool

    init(_ description: String, beforeResponse: Bool = false) {
        self.description = description
        self.beforeResponse = beforeResponse
    }

    static func plain(_ error: any Error) -> String {
        switch error {
        case let error as HTTPPoolError: return error.description
        case let error as TLSError: return "TLS: \(error)"
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return plain(first.error) }
            return "no address for \(error.host)"
        case let error as IOError: return String(cString: strerror(error.errnoCode)).lowercased()
        case ChannelError.connectTimeout: return "connection timed out (connect_timeout)"
        default: return "\(error)"
        }
    }
}
