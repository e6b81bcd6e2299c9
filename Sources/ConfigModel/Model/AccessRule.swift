import Foundation

/// One `access_rules` entry: `allow all`, `deny 10.0.0.0/8`, `allow 2001:db8::1`.
/// Checked in order at accept, before PROXY and TLS; the first match wins, no match allows.
public struct AccessRule: Hashable, Sendable, CustomStringConvertible {
    public enum Action: String, Sendable { case allow, deny }

    public let action: Action
    /// The network, or nil for `all`.
    public let network: Network?

    /// A network in CIDR form, normalised (`10.0.1.5/24` is `10.0.1.0/24`, as EMQX does).
    public struct Network: Hashable, Sendable {
        /// 4 bytes for IPv4, 16 for IPv6, host bits cleared.
        public let address: [UInt8]
        public let prefixLength: Int

        /// Whether `peer` (4 or 16 bytes) is in this network. IPv4 never matches IPv6.
        public func contains(_ peer: [UInt8]) -> Bool {
            guard peer.count == address.count else { return false }
            var remaining = prefixLength
            for index in address.indices where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if peer[index] & mask != address[index] { return false }
                remaining -= bits
            }
            return true
        }
    }

    public var description: String {
        guard let network else { return "\(action.rawValue) all" }
        return "\(action.rawValue) \(Self.format(network.address))/\(network.prefixLength)"
    }

    /// Parses one rule; nil when it is not `<allow|deny> <all|IP|IP/len>`.
    public init?(parsing text: String) {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true)
        guard tokens.count == 2, let action = Action(rawValue: String(tokens[0])) else { return nil }
        self.action = action
        if tokens[1] == "all" {
            network = nil
            return
        }
        let parts = tokens[1].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, var bytes = Self.parseAddress(String(parts[0])) else { return nil }
        let maximum = bytes.count * 8
        var length = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maximum).contains(value) else { return nil }
            length = value
        }
        for index in bytes.indices {
            let keep = max(0, min(8, length - index * 8))
            bytes[index] &= UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        network = Network(address: bytes, prefixLength: length)
    }

    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address in text form, as rules hold them.
    public static func addressBytes(_ text: String) -> [UInt8]? { parseAddress(text) }

    /// The text of a 4- or 16-byte address; nil for any other length.
    public static func addressText(_ bytes: [UInt8]) -> String? {
        bytes.count == 4 || bytes.count == 16 ? format(bytes) : nil
    }

    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func format(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard inet_ntop(family, bytes, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

extension Array where Element == AccessRule {
    /// The first rule that matches `peer` (its address, 4 or 16 bytes) decides; no match
    /// allows, as in EMQX. Returns the deciding rule when it denies.
    public func denying(_ peer: [UInt8]) -> AccessRule? {
        for rule in self where rule.network?.contains(peer) ?? true {
            return rule.action == .deny ? rule : nil
        }
        return nil
    }
}
