import NIOCore
import Testing

@testable import BrokerRuntime

@Suite struct SocketAddressBytesTests {
    @Test func anIPv4AddressIsItsFourBytes() throws {
        #expect(try SocketAddress(ipAddress: "10.1.2.254", port: 1883).addressBytes == [10, 1, 2, 254])
    }

    @Test func anIPv6AddressIsItsSixteenBytes() throws {
        let bytes = try SocketAddress(ipAddress: "2001:db8::7", port: 1883).addressBytes
        #expect(bytes == [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [7])
    }

    /// A v4 client of a listener bound to `::` matches the v4 rules.
    @Test func anIPv4MappedAddressIsItsFourBytes() throws {
        #expect(try SocketAddress(ipAddress: "::ffff:192.168.0.9", port: 1883).addressBytes == [192, 168, 0, 9])
    }

    @Test func aUnixSocketHasNoAddress() throws {
        #expect(try SocketAddress(unixDomainSocketPath: "/tmp/emqxctl-test.sock").addressBytes.isEmpty)
    }
}
