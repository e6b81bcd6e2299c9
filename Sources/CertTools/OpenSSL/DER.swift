internal import COpenSSL

/// DER through OpenSSL's `d2i_*` / `i2d_*` function pairs, so each owner type only names
/// its pair.
enum DER {
    /// Parses `der` with a `d2i_*` function (called as `d2i(&cursor, length)`); the result is
    /// owned by the caller.
    static func decode(
        _ der: [UInt8],
        as what: String,
        _ d2i: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> OpaquePointer?
    ) throws -> OpaquePointer {
        OpenSSLErrorStack.clear()
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i(&cursor, buffer.count)
        }
        guard let parsed else { throw OpenSSLErrorStack.error("not a valid DER \(what)", code: .invalidEncoding) }
        return parsed
    }

    /// Encodes with an `i2d_*` function (called as `i2d(&output)`, OpenSSL allocating).
    static func encode(_ i2d: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>) -> Int32) -> [UInt8] {
        var der: UnsafeMutablePointer<UInt8>?
        let count = i2d(&der)
        guard count > 0, let der else { return [] }
        defer { CRYPTO_free(der, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: der, count: Int(count)))
    }

    /// SHA-256 over a key's DER SubjectPublicKeyInfo: equal for a private key, its public key
    /// and its certificate, which is how `cert inspect` lets users pair them up.
    static func publicKeyFingerprint(_ evpKey: OpaquePointer) -> [UInt8] {
        SHA256.digest(encode { i2d_PUBKEY(evpKey, $0) })
    }
}
