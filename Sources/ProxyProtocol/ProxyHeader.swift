/// What a PROXY protocol header (v1 or v2, haproxy's spec) says about a connection: the
/// client's real address, and (v2) what the proxy learned of it.
public struct ProxyHeader: Sendable, Equatable {
    public enum Version: Int, Sendable { case v1 = 1, v2 = 2 }

    /// An address as bytes (4 for IPv4, 16 for IPv6) and a port.
    public struct Endpoint: Sendable, Equatable {
        public let address: [UInt8]
        public let port: UInt16

        public init(address: [UInt8], port: UInt16) {
            self.address = address
            self.port = port
        }
    }

    /// v2's SSL TLV: whether the client used TLS with the proxy, and its certificate's CN.
    public struct SSL: Sendable, Equatable {
        public var clientUsedTLS: Bool
        public var clientCertificateVerified: Bool
        public var version: String?
        public var commonName: String?
        public var cipher: String?
    }

    public let version: Version
    /// The client and the address it connected to; nil for v1 `UNKNOWN` and v2 `LOCAL` (a
    /// health check), where the socket's own addresses stand.
    public let source: Endpoint?
    public let destination: Endpoint?
    /// v2 TLVs.
    public var alpn: [UInt8]?
    public var authority: String?
    public var ssl: SSL?
}

/// Why a header is refused, in words for a log line.
public struct ProxyHeaderError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
