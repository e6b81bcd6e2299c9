package import ConfigModel
import Foundation
package import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for OCSP responses and CRLs: GET, one request per connection
/// (`Connection: close`), one deadline over the whole exchange, and a cap on the body.
/// Plain http only: OCSP responses and CRLs carry their own signatures.
/// An HTTP GET: what the OCSP stapler and the CRL cache fetch with. `HTTPFetcher` does it
/// over a socket; in-process tests answer from memory, on an embedded loop whose clock they
/// move.
package protocol HTTPGetting: Sendable {
    var eventLoop: any EventLoop { get }
    /// Succeeds with any complete response, whatever its status.
    func get(_ url: HTTPURL, accept: String) -> EventLoopFuture<HTTPResponse>
}

/// A complete HTTP response.
package struct HTTPResponse: Sendable {
    package let status: Int
    package let body: [UInt8]

    package init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

struct HTTPFetcher: HTTPGetting {

    let eventLoop: any EventLoop
    let timeout: TimeAmount
    let maximumBodySize: Int

    /// Succeeds with any complete response, whatever its status; fails with `HTTPFetchError`.
    func get(_ url: HTTPURL, accept: String) -> EventLoopFuture<HTTPResponse> {
        let promise = eventLoop.makePromise(of: HTTPResponse.self)
        let deadline = eventLoop.scheduleTask(in: timeout) {
            promise.fail(HTTPFetchError("no answer from \(url.hostHeader) within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        let limit = maximumBodySize
        let head = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: url.path,
            headers: ["Host": url.hostHeader, "Connection": "close", "Accept": accept, "User-Agent": "emqxctl"])
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTPResponseCollector(promise: promise, limit: limit))
                }
            }
            .connect(host: url.host, port: url.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                case .failure(let error):
                    promise.fail(HTTPFetchError("cannot connect to \(url.hostHeader): \(HTTPFetchError.plain(error))"))
                }
            }
        return promise.futureResult
    }
}

/// Why a fetch failed, in words for a log line.
struct HTTPFetchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// "connection refused" rather than NIO's full error dump.
    static func plain(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return plain(first.error) }
            if let dns = error.dnsAError ?? error.dnsAAAAError { return "cannot resolve \(error.host): \(dns)" }
            return "no address for \(error.host)"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode)).lowercased()
        case ChannelError.connectTimeout:
            return "connection timed out"
        default:
            return "\(error)"
        }
    }
}

/// Collects one response into the promise; the first of end, error or close settles it.
private final class HTTPResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPResponse>
    private let limit: Int
    private var status = 0
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<HTTPResponse>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let part):
            guard body.count + part.readableBytes <= limit else {
                promise.fail(HTTPFetchError("the response is larger than \(limit) bytes"))
                context.close(promise: nil)
                return
            }
            body.append(contentsOf: part.readableBytesView)
        case .end:
            promise.succeed(HTTPResponse(status: status, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(HTTPFetchError("the HTTP exchange failed: \(HTTPFetchError.plain(error))"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPFetchError("the server closed the connection before the response ended"))
        context.fireChannelInactive()
    }
}
