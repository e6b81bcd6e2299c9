/// Where the TLS layer finds pre-shared keys. Called inside OpenSSL's PSK callback on the
/// event loop, so implementations answer from memory and never block (mosquitto's rule: the
/// table is loaded before handshakes, not read during them).
public protocol PSKResolver: Sendable {
    /// The key bytes for `identity`, or nil for an unknown identity.
    func key(for identity: [UInt8]) -> [UInt8]?
    /// How many identities it holds, for status and metrics.
    var count: Int { get }
}
