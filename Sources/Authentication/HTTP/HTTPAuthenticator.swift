package import BrokerCore
package import BrokerTLS
package import ConfigModel
package import Logging
package import NIOCore
import NIOHTTP1
import Synchronization

/// `backend = http` (EMQX's emqx_authn_http): one request per CONNECT over pooled keep-alive
/// connections, on our TLS client for https. Every failure (refused, TLS refused, no answer
/// within request_timeout, a 5xx) is `.unavailable`: the chain goes on, and ends in server
/// unavailable if nothing else accepts the client. No retries (EMQX retries twice, so its
/// worst case is about three request_timeouts, its Q19).
package final class HTTPAuthenticator: Authenticator {
    package let id = "password_based:http"
    private let config: HTTPAuthenticatorConfig
    private let url: BackendURL
    private let pool: HTTPConnectionPool
    private let logger: Logger
    private let timeout: TimeAmount
    /// Whether the warning about what serve does not apply of an answer was logged.
    private let warned = Atomic(false)

    /// `tls` is the client context of the `ssl` block (nil for http://).
    package init(config: HTTPAuthenticatorConfig, url: BackendURL, tls: TLSContext?, eventLoop: any EventLoop, logger: Logger) {
        self.config = config
        self.url = url
        self.logger = logger
        self.timeout = .milliseconds(config.requestTimeout.milliseconds)
        let sni = config.ssl?.serverNameIndication
        let serverName: String? = (sni == "disable" || url.host.isIPAddress) ? nil : sni ?? url.host
        let verifyHost = (sni == nil || sni == "disable") ? url.host : sni
        pool = HTTPConnectionPool(
            endpoint: .init(
                host: url.host, port: url.port, tls: tls, serverName: serverName, verifyHost: verifyHost,
                connectTimeout: .milliseconds(config.connectTimeout.milliseconds)),
            size: config.poolSize, eventLoop: eventLoop)
    }

    /// TLS handshakes the pool has made (one per connection it opened).
    package var handshakes: EventLoopFuture<Int> { pool.handshakes }

    package func authenticate(_ credentials: ClientCredentials, on eventLoop: any EventLoop) -> EventLoopFuture<AuthenticatorAnswer> {
        if credentials.hasAuthenticationMethod { return eventLoop.makeSucceededFuture(.ignore) }
        let request = HTTPAuthRequest(config, url: url, credentials: credentials)
        var headers = HTTPHeaders([("host", url.hostHeader)])
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        let head = HTTPRequestHead(version: .http1_1, method: request.method == .get ? .GET : .POST, uri: request.target, headers: headers)
        let logger = self.logger
        let url = self.url
        return pool.send(head, body: request.body, timeout: timeout)
            .map { response -> AuthenticatorAnswer in
                let (answer, warning) = HTTPAuthResponse.interpret(
                    status: response.status, contentType: response.contentType, body: response.body)
                if let warning { logger.warning("\(url.hostHeader): \(warning)") }
                if response.status >= 300 { logger.info("authentication backend \(url.hostHeader) answered \(response.status)") }
                return answer
            }
            .recover { error in .unavailable(reason: "\(url.hostHeader): \(HTTPPoolError.plain(error))") }
            .hop(to: eventLoop)
    }

    package func shutdown() { pool.close() }
}

extension String {
    /// An IPv4 or IPv6 literal (no SNI is sent for one, RFC 6066 §3).
    var isIPAddress: Bool {
        contains(":") || (split(separator: ".").count == 4 && allSatisfy { $0.isNumber || $0 == "." })
    }
}
