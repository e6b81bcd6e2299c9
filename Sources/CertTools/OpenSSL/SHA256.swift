internal import COpenSSL

/// SHA-256 through OpenSSL, for fingerprints.
enum SHA256 {
    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(bytes, bytes.count, &output, &length, EVP_sha256(), nil)
        return Array(output.prefix(Int(length)))
    }
}

extension Array where Element == UInt8 {
    /// `AB:CD:EF…`, the way `openssl x509 -fingerprint` prints digests.
    public var colonHex: String { map { hexByte($0) }.joined(separator: ":") }
    /// `abcdef…`, lower case.
    public var hex: String { map { hexByte($0).lowercased() }.joined() }
}

private func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
