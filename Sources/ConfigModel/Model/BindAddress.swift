import Foundation

/// A listener's `bind`: an IP address (or all interfaces) and a port.
///
/// Accepted as EMQX accepts it: `8883`, `"8883"`, `":8883"`, `"127.0.0.1:8883"`,
/// `"[::1]:8883"`, and `"::1:8883"` (split at the last colon). Host names are not addresses.
public struct BindAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address, or nil for all interfaces (`0.0.0.0`).
    public let address: String?
    public let port: UInt16

    public init(address: String?, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses the forms above; the error says what is wrong.
    public static func parse(_ raw: String) -> Result<BindAddress, BindError> {
        let text = raw.filter { $0 != " " }
        var host: Substring
        var portText: Substring
        if let port = UInt64(text) {
            guard port <= 65535 else { return .failure(BindError("port \(port) is larger than 65535")) }
            return .success(BindAddress(address: nil, port: UInt16(port)))
        }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { return .failure(BindError("expected :PORT after ]")) }
            portText = after.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            return .failure(BindError("\"\(raw)\" is not a port or an IP:PORT pair"))
        }
        if host.hasPrefix("-") || portText.hasPrefix("-") { return .failure(BindError("a port must be positive")) }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = UInt64(portText.prefix(12)) else {
            return .failure(BindError("\"\(portText)\" is not a port number"))
        }
        guard port <= 65535 else { return .failure(BindError("port \(port) is larger than 65535")) }
        if host.isEmpty { return .success(BindAddress(address: nil, port: UInt16(port))) }
        var v4 = in_addr()
        var v6 = in6_addr()
        let hostString = String(host)
        guard inet_pton(AF_INET, hostString, &v4) == 1 || inet_pton(AF_INET6, hostString, &v6) == 1 else {
            return .failure(
                BindError("\"\(host)\" is not an IP address (host names are not allowed; use 0.0.0.0 or an interface's address)"))
        }
        return .success(BindAddress(address: hostString == "0.0.0.0" ? nil : hostString, port: UInt16(port)))
    }

    public struct BindError: Error, Sendable {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// `0.0.0.0:8883`, `127.0.0.1:8883` or `[::1]:8883`.
    public var description: String {
        guard let address else { return "0.0.0.0:\(port)" }
        return address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}

extension ObjectReader {
    /// `bind` as written, parsed as EMQX parses it, with the text it was written as (a bare
    /// port means something else to the admin endpoint); nil when not written, or when wrong
    /// (reported, with `hint`).
    mutating func bindAddress(hint: String) -> (address: Located<BindAddress>, text: String)? {
        guard let value = value("bind") else { return nil }
        switch value.scalarText.map(BindAddress.parse) {
        case .success(let address)?:
            return (Located(address, at: value.location, keyPath: path("bind")), value.scalarText?.filter { $0 != " " } ?? "")
        case .failure(let error)?:
            sink.report(.bindInvalid, .error, value.location, path("bind"), error.reason, hint: hint)
        case nil:
            invalid("bind", value, "expected a port or \"IP:PORT\"")
        }
        return nil
    }
}
