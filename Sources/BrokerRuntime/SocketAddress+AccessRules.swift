import NIOCore

extension SocketAddress {
    /// The IP address as 4 or 16 bytes, read from the socket address itself rather than
    /// through its text (inet_ntop and back, a printf a connection); an IPv4-mapped IPv6
    /// address (a v4 client of a listener bound to `::`) as its 4. Empty for a Unix socket.
    ///
    /// The offsets are Linux's `sockaddr_in` (family, port, then the address at 4) and
    /// `sockaddr_in6` (family, port, flow info, then the address at 8).
    var addressBytes: [UInt8] {
        switch self {
        case .v4(let address):
            return withUnsafeBytes(of: address.address) { Array($0[4..<8]) }
        case .v6(let address):
            let bytes = withUnsafeBytes(of: address.address) { Array($0[8..<24]) }
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            return mapped ? Array(bytes[12...]) : bytes
        case .unixDomainSocket:
            return []
        }
    }
}
