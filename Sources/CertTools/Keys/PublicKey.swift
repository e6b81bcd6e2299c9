internal import COpenSSL

/// A public key read from a `PUBLIC KEY` file: the one Swift owner of its `EVP_PKEY`.
public final class PublicKey: @unchecked Sendable {
    let evpKey: OpaquePointer

    init(takingOwnership evpKey: OpaquePointer) { self.evpKey = evpKey }

    deinit { EVP_PKEY_free(evpKey) }

    /// Parses a DER SubjectPublicKeyInfo.
    public convenience init(der: [UInt8]) throws {
        self.init(takingOwnership: try DER.decode(der, as: "public key") { d2i_PUBKEY(nil, $0, $1) })
    }

    public var keyDescription: KeyDescription { KeyDescription(evpKey: evpKey) }

    /// SHA-256 over the DER SubjectPublicKeyInfo.
    public var fingerprint: [UInt8] { DER.publicKeyFingerprint(evpKey) }
}
