import Authentication
import BrokerTLS
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One request to a running `serve`'s admin endpoint (`emqxctl status`, `emqxctl reload`),
/// over http or https on the broker's own TLS client.
struct AdminClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let url: String
    /// For https: the CA to verify the endpoint's certificate against; nil uses none (refused).
    var caFile: String?
    var timeout = TimeAmount.seconds(30)

    /// The answer's status and body; throws when the endpoint cannot be reached.
    func send(_ method: HTTPMethod, _ path: String, token: String? = nil) throws -> (status: Int, body: [UInt8]) {
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme, scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else { throw Failure(description: "\(url) is not an http:// or https:// URL") }
        var tls: TLSContext?
        if scheme == "https" {
            guard let caFile else { throw Failure(description: "an https endpoint needs --cacert, the CA that issued its certificate") }
            var options = TLSClientOptions()
            options.caFile = caFile
            options.serverName = host
            tls = try TLSContext.client(options)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        let pool = HTTPConnectionPool(
            endpoint: .init(
                host: host, port: port, tls: tls, serverName: tls == nil ? nil : host, verifyHost: tls == nil ? nil : host,
                connectTimeout: .seconds(5)),
            size: 1, eventLoop: group.next())
        defer { pool.close() }
        var headers: HTTPHeaders = ["Host": "\(host):\(port)", "User-Agent": "emqxctl", "Content-Length": "0"]
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
        do {
            let response = try pool.send(head, body: [], timeout: timeout).wait()
            return (response.status, response.body)
        } catch {
            throw Failure(description: "cannot reach the admin endpoint \(url): \(error)")
        }
    }
}
