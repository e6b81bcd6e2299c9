internal import COpenSSL

/// What kind of key a certificate or key file holds: "EC P-256", "RSA 2048", "Ed25519".
public struct KeyDescription: Hashable, Sendable, CustomStringConvertible {
    /// `EC`, `RSA`, `Ed25519`, `Ed448`, `DSA`, … (OpenSSL's short name otherwise).
    public let type: String
    /// Key size in bits.
    public let bits: Int
    /// The curve of an EC key (`P-256`), nil for other types.
    public let curve: String?

    public var description: String {
        if let curve { return "\(type) \(curve)" }
        if type.hasPrefix("Ed") { return type }
        return "\(type) \(bits)"
    }

    /// Describes an `EVP_PKEY` (private or public).
    init(evpKey: OpaquePointer) {
        let id = EVP_PKEY_get_base_id(evpKey)
        bits = Int(EVP_PKEY_get_bits(evpKey))
        switch id {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS: type = "RSA"
        case EVP_PKEY_EC: type = "EC"
        case EVP_PKEY_ED25519: type = "Ed25519"
        case EVP_PKEY_ED448: type = "Ed448"
        case EVP_PKEY_DSA: type = "DSA"
        default: type = String(cString: OBJ_nid2sn(id))
        }
        if id == EVP_PKEY_EC {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            if EVP_PKEY_get_group_name(evpKey, &name, name.count, &length) == 1 {
                let group = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                curve = Self.nistName(group)
            } else {
                curve = nil
            }
        } else {
            curve = nil
        }
    }

    private static func nistName(_ group: String) -> String {
        switch group {
        case "prime256v1", "P-256": "P-256"
        case "secp384r1", "P-384": "P-384"
        case "secp521r1", "P-521": "P-521"
        default: group
        }
    }
}
