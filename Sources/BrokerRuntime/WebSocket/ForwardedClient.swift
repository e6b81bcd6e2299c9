import Foundation
import NIOCore
import NIOHTTP1

/// The client a proxy in front of a ws or wss listener names in its request headers
/// (`websocket.proxy_address_header`, `proxy_port_header`: X-Forwarded-For and
/// X-Forwarded-Port by default), sent up the pipeline after the upgrade: from then on it is
/// the connection's peer (logs, `${peerhost}`, `{ipaddr, …}` rules), and access_rules are
/// checked again on it.
///
/// Beyond EMQX, which believes the header from anyone (so a client can claim 127.0.0.1 and
/// match the shipped acl.conf's allow rule): it is believed only from a peer on loopback or a
/// private network, where a reverse proxy sits; from any other peer it is ignored.
struct ForwardedClient {
    let address: SocketAddress

    /// The client the headers name, when `peer` may name one; the first address of the list is
    /// the client's (each proxy appends the one it heard from).
    static func from(_ headers: HTTPHeaders, addressHeader: String, portHeader: String, peer: SocketAddress?) -> ForwardedClient? {
        guard let peer, isTrustedProxy(peer.addressBytes) else { return nil }
        guard let first = headers[canonicalForm: addressHeader].first.map(String.init)?.trimmingCharacters(in: .whitespaces),
            !first.isEmpty
        else { return nil }
        let port = headers.first(name: portHeader).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        guard let address = try? SocketAddress(ipAddress: first, port: port) else { return nil }
        return ForwardedClient(address: address)
    }

    /// Loopback (127/8, ::1) and private networks (10/8, 172.16/12, 192.168/16, fc00::/7).
    static func isTrustedProxy(_ bytes: [UInt8]) -> Bool {
        switch bytes.count {
        case 4:
            return bytes[0] == 127 || bytes[0] == 10 || (bytes[0] == 172 && bytes[1] & 0xF0 == 16) || (bytes[0] == 192 && bytes[1] == 168)
        case 16:
            return bytes == [UInt8](repeating: 0, count: 15) + [1] || bytes[0] & 0xFE == 0xFC
        default:
            return false
        }
    }
}
