import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

extension SocketAddress {
    /// The IP address as 4 or 16 bytes; an IPv4-mapped IPv6 address (a v4 client of a
    /// listener bound to `::`) as its 4. Empty for a Unix socket.
    var addressBytes: [UInt8] {
        withSockAddr { pointer, _ -> [UInt8] in
            switch Int32(pointer.pointee.sa_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                let bytes = pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
                }
                let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
                return mapped ? Array(bytes[12...]) : bytes
            default:
                return []
            }
        }
    }
}
