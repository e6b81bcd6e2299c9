import BrokerTLS
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// OCSP over HTTP (RFC 6960 appendix A): `GET /{url-encoded base64 request}` or `POST` with
/// an `application/ocsp-request` body, answered by `respond` with a DER OCSPResponse. One
/// request per connection. `emqxctl cert ocsp-responder` runs it for a CA folder.
public final class OCSPHTTPServer: Sendable {
    /// The DER response for a DER request, plus a few words for the log line.
    public typealias Respond = @Sendable (_ request: [UInt8]) -> (response: [UInt8], summary: String)

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// A request is a few hundred bytes; refuse anything much larger.
    static let maximumRequestSize = 64 * 1024

    public init(host: String, port: Int, logger: Logger, respond: @escaping Respond) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(OCSPRequestHandler(logger: logger, respond: respond))
                    }
                }
                .bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// The bound port (useful when bound to port 0).
    public var port: Int? { channel.localAddress?.port }

    /// Runs until the process is stopped.
    public func wait() throws { try channel.closeFuture.wait() }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// One OCSP request per connection: the request is collected, answered, and the connection
/// closed.
private final class OCSPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let logger: Logger
    private let respond: OCSPHTTPServer.Respond
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(logger: Logger, respond: @escaping OCSPHTTPServer.Respond) {
        self.logger = logger
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(let part):
            if body.count + part.readableBytes > OCSPHTTPServer.maximumRequestSize {
                tooLarge = true
            } else {
                body += part.readableBytesView
            }
        case .end:
            answer(context)
        }
    }

    private func answer(_ context: ChannelHandlerContext) {
        guard let head else { return }
        let peer = context.channel.remoteAddress?.logDescription ?? "?"
        let request: [UInt8]?
        switch head.method {
        case .GET: request = Self.decodeGET(head.uri)
        case .POST: request = tooLarge ? nil : body
        default:
            send(context, status: .methodNotAllowed, body: [], type: "text/plain")
            return
        }
        guard let request, !request.isEmpty else {
            logger.info("OCSP request from \(peer): not an OCSP request (\(head.method) \(head.uri.prefix(80)))")
            send(context, status: .badRequest, body: Array("not an OCSP request\n".utf8), type: "text/plain")
            return
        }
        let (response, summary) = respond(request)
        logger.info("OCSP request from \(peer): \(summary)")
        send(context, status: .ok, body: response, type: "application/ocsp-response")
    }

    private func send(_ context: ChannelHandlerContext, status: HTTPResponseStatus, body: [UInt8], type: String) {
        var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", "\(body.count)"), ("Connection", "close")])
        headers.add(name: "Cache-Control", value: "no-store")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }

    /// The request in a GET path: the last segment, percent-decoded, then base64.
    static func decodeGET(_ uri: String) -> [UInt8]? {
        guard let segment = uri.split(separator: "/").last, let decoded = String(segment).removingPercentEncoding else { return nil }
        return Data(base64Encoded: decoded).map(Array.init)
    }
}
