import Foundation

/// An `http://host[:port]/path` URL, the kind OCSP responders and CRL distribution points
/// publish. A URL without a scheme gets `http://` and an empty path becomes `/`, as EMQX
/// normalises `responder_url`. `config check` accepts exactly what `serve` can fetch.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// Path and query, starting with `/`.
    public private(set) var path: String

    /// nil for anything but a well-formed http URL: https, ldap and file URLs included.
    public init?(_ text: String) {
        var rest = Substring(text)
        if let scheme = rest.range(of: "://") {
            guard rest[..<scheme.lowerBound].lowercased() == "http" else { return nil }
            rest = rest[scheme.upperBound...]
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        var host = Substring(authority)
        var port = 80
        if authority.hasPrefix("[") {  // [::1]:8080
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let number = Int(authority[authority.index(after: colon)...]) else { return nil }
            host = authority[..<colon]
            port = number
        }
        guard !host.isEmpty, !host.contains("@"), (1...65535).contains(port) else { return nil }
        self.host = String(host)
        self.port = port
        self.path = path
    }

    /// The URL with `component` added as one more path segment (RFC 6960 appendix A.1's GET).
    public func appendingPathComponent(_ component: String) -> HTTPURL {
        var url = self
        url.path = (path.hasSuffix("/") ? path : path + "/") + component
        return url
    }

    /// The Host header: the port only when it is not 80.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    public var description: String { "http://\(hostHeader)\(path)" }
}
