import ConfigModel
import NIOCore

extension SocketAddress {
    /// The IP address as 4 or 16 bytes; an IPv4-mapped IPv6 address (a v4 client of a
    /// listener bound to `::`) as its 4. Empty for a Unix socket. Only asked for when a
    /// listener has access rules.
    var addressBytes: [UInt8] {
        guard let text = ipAddress, let bytes = AccessRule.addressBytes(text) else { return [] }
        let mapped = bytes.count == 16 && bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        return mapped ? Array(bytes[12...]) : bytes
    }
}
