import Foundation

/// The `url` of an HTTP authentication backend: `http` or `https`, a host, a port (80 or 443
/// by default), then a path and query that may hold placeholders. User info and a `#fragment`
/// are refused, as EMQX refuses them.
public struct BackendURL: Sendable, Equatable, CustomStringConvertible {
    public let isTLS: Bool
    public let host: String
    public let port: Int
    /// The path, starting with `/`, with its placeholders.
    public let path: AuthTemplate
    /// The query's `name=value` pairs as written (still percent-encoded), values templated.
    public let query: [(name: String, value: AuthTemplate)]

    public static func == (lhs: BackendURL, rhs: BackendURL) -> Bool {
        lhs.description == rhs.description
    }

    private let text: String
    public var description: String { text }

    /// The Host header: the port only when it is not the scheme's.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    public enum ParseError: Error, Equatable {
        case problem(String)
        case placeholders([String])
    }

    public static func parse(_ text: String) -> Result<BackendURL, ParseError> {
        guard let schemeEnd = text.range(of: "://") else { return .failure(.problem("no scheme; write http:// or https://")) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            return .failure(.problem("the scheme is \(scheme); only http and https are requested"))
        }
        let isTLS = scheme == "https"
        let rest = text[schemeEnd.upperBound...]
        if rest.contains("#") { return .failure(.problem("a URL with a #fragment is refused")) }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if authority.contains("@") { return .failure(.problem("user info (user@) in the URL is refused; send credentials in headers")) }
        var host = Substring(authority)
        var port = isTLS ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(.problem("an IPv6 host needs its closing ]")) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else {
                    return .failure(.problem("the port is not a number"))
                }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let number = Int(authority[authority.index(after: colon)...]) else {
                return .failure(.problem("the port is not a number"))
            }
            host = authority[..<colon]
            port = number
        }
        guard !host.isEmpty else { return .failure(.problem("no host")) }
        guard !host.contains("${") else { return .failure(.problem("the host cannot hold a placeholder")) }
        guard (1...65535).contains(port) else { return .failure(.problem("the port \(port) is out of range")) }
        var pathText = String(rest[authorityEnd...])
        var queryText = ""
        if let mark = pathText.firstIndex(of: "?") {
            queryText = String(pathText[pathText.index(after: mark)...])
            pathText = String(pathText[..<mark])
        }
        if pathText.isEmpty { pathText = "/" }
        var unknown: [String] = []
        let (path, pathUnknown) = AuthTemplate.parse(pathText)
        unknown += pathUnknown
        var query: [(String, AuthTemplate)] = []
        for pair in queryText.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let (value, valueUnknown) = AuthTemplate.parse(parts.count > 1 ? String(parts[1]) : "")
            unknown += valueUnknown
            query.append((String(parts[0]), value))
        }
        guard unknown.isEmpty else { return .failure(.placeholders(unknown)) }
        return .success(BackendURL(isTLS: isTLS, host: String(host), port: port, path: path, query: query, text: text))
    }
}
