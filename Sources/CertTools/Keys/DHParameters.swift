internal import COpenSSL

/// Finite-field Diffie-Hellman group parameters (`-----BEGIN DH PARAMETERS-----`, as
/// `openssl dhparam` and `openssl genpkey -genparam -algorithm DH` write them), for the DHE
/// suites of a listener's `ssl_options.dhfile`. The one Swift owner of an `EVP_PKEY` holding
/// only parameters.
public final class DHParameters: @unchecked Sendable {
    let evpKey: OpaquePointer

    private init(takingOwnership evpKey: OpaquePointer) { self.evpKey = evpKey }

    deinit { EVP_PKEY_free(evpKey) }

    /// Parses the first DH PARAMETERS block of a PEM file.
    public convenience init(pem bytes: [UInt8], path: String) throws {
        OpenSSLErrorStack.clear()
        let parsed = try MemoryBIO.reading(bytes) { bio in PEM_read_bio_Parameters(bio, nil) }
        guard let parsed else {
            OpenSSLErrorStack.clear()
            throw CertToolsError(.invalidEncoding, "holds no DH parameters (-----BEGIN DH PARAMETERS-----)", path: path)
        }
        guard EVP_PKEY_get_base_id(parsed) == EVP_PKEY_DH else {
            EVP_PKEY_free(parsed)
            throw CertToolsError(.unsupportedObject, "holds parameters of another kind than DH", path: path)
        }
        self.init(takingOwnership: parsed)
    }

    /// Reads the file at `path`.
    public convenience init(path: String) throws {
        try self.init(pem: try FileContents.read(path), path: path)
    }

    /// The size of the prime, in bits.
    public var bits: Int { Int(EVP_PKEY_get_bits(evpKey)) }

    /// Runs `body` with the `EVP_PKEY*`, for the TLS layer, which takes its own reference.
    package func withUnsafeEVPKey<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(evpKey) }
}
