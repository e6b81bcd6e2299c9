internal import COpenSSL

/// A public key read from a `PUBLIC KEY` file: the one Swift owner of its `EVP_PKEY`.
public final class PublicKey: @unchecked Sendable {
    let evpKey: OpaquePointer

    init(takingOwnership evpKey: OpaquePointer) { self.evpKey = evpKey }

    deinit { EVP_PKEY_free(evpKey) }

    /// Parses a DER SubjectPublicKeyInfo.
    public convenience init(der: [UInt8]) throws {
        OpenSSLErrorStack.clear()
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw OpenSSLErrorStack.error("not a valid DER public key", code: .invalidEncoding) }
        self.init(takingOwnership: parsed)
    }

    public var keyDescription: KeyDescription { KeyDescription(evpKey: evpKey) }

    /// SHA-256 over the DER SubjectPublicKeyInfo.
    public var fingerprint: [UInt8] {
        var der: UnsafeMutablePointer<UInt8>?
        let count = i2d_PUBKEY(evpKey, &der)
        guard count > 0, let der else { return [] }
        defer { CRYPTO_free(der, #fileID, #line) }
        return SHA256.digest(UnsafeBufferPointer(start: der, count: Int(count)))
    }
}
