internal import COpenSSL

/// A private key: the one Swift owner of an OpenSSL `EVP_PKEY`.
///
/// Immutable after creation, so it is safe to share between threads.
public final class PrivateKey: @unchecked Sendable {
    let evpKey: OpaquePointer

    init(takingOwnership evpKey: OpaquePointer) { self.evpKey = evpKey }

    deinit { EVP_PKEY_free(evpKey) }

    /// Generates a fresh key of `algorithm` from OpenSSL's CSPRNG.
    public static func generate(_ algorithm: KeyAlgorithm) throws -> PrivateKey {
        OpenSSLErrorStack.clear()
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm.openSSLName, nil) else {
            throw OpenSSLErrorStack.error("cannot set up \(algorithm.rawValue) key generation")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else {
            throw OpenSSLErrorStack.error("cannot start \(algorithm.rawValue) key generation")
        }
        if let bits = algorithm.rsaBits, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) != 1 {
            throw OpenSSLErrorStack.error("cannot set the RSA key size to \(bits)")
        }
        if let curve = algorithm.curveName, EVP_PKEY_CTX_set_group_name(context, curve) != 1 {
            throw OpenSSLErrorStack.error("cannot select the curve \(curve)")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else {
            throw OpenSSLErrorStack.error("\(algorithm.rawValue) key generation failed")
        }
        return PrivateKey(takingOwnership: key)
    }

    /// Runs `body` with the `EVP_PKEY*`, for BrokerRuntime's TLS layer; the pointer must not
    /// outlive the call (OpenSSL takes its own reference where it keeps one).
    package func withUnsafeEVPKey<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(evpKey) }

    /// Key type and size.
    public var keyDescription: KeyDescription { KeyDescription(evpKey: evpKey) }

    /// Whether this is the private half of `certificate`'s public key.
    public func matches(_ certificate: Certificate) -> Bool {
        OpenSSLErrorStack.clear()
        defer { OpenSSLErrorStack.clear() }
        return X509_check_private_key(certificate.x509, evpKey) == 1
    }

    /// The SHA-256 digest of the DER SubjectPublicKeyInfo: equal for a key and its certificate.
    public var publicKeyFingerprint: [UInt8] { DER.publicKeyFingerprint(evpKey) }

    /// Whether `signatureDigest` must be nil when signing (Ed25519 and Ed448 hash internally).
    var signsWithoutDigest: Bool {
        let id = EVP_PKEY_get_base_id(evpKey)
        return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448
    }
}
