internal import COpenSSL

/// A PKCS#10 certificate signing request: the one Swift owner of an OpenSSL `X509_REQ`.
public final class CertificateSigningRequest: @unchecked Sendable {
    let request: OpaquePointer

    init(takingOwnership request: OpaquePointer) { self.request = request }

    deinit { X509_REQ_free(request) }

    public convenience init(der: [UInt8]) throws {
        self.init(takingOwnership: try DER.decode(der, as: "CSR") { d2i_X509_REQ(nil, $0, $1) })
    }

    public var subject: DistinguishedName { DistinguishedName(x509Name: X509_REQ_get_subject_name(request)) }

    public var publicKeyDescription: KeyDescription? {
        guard let key = X509_REQ_get0_pubkey(request) else { return nil }
        return KeyDescription(evpKey: key)
    }

    /// Whether the request is signed by the key it carries (proof of possession).
    public var isSignatureValid: Bool {
        OpenSSLErrorStack.clear()
        defer { OpenSSLErrorStack.clear() }
        guard let key = X509_REQ_get0_pubkey(request) else { return false }
        return X509_REQ_verify(request, key) == 1
    }

    /// The subjectAltName entries requested in the CSR's extension request attribute.
    public var subjectAlternativeNames: [SubjectAlternativeName] {
        guard let extensions = X509_REQ_get_extensions(request) else { return [] }
        defer { OPENSSL_sk_pop_free(extensions, extensionFree) }
        for index in 0..<OPENSSL_sk_num(extensions) {
            guard let raw = OPENSSL_sk_value(extensions, index) else { continue }
            let ext = OpaquePointer(raw)
            guard OBJ_obj2nid(X509_EXTENSION_get_object(ext)) == NID_subject_alt_name,
                let names = X509V3_EXT_d2i(ext)
            else { continue }
            let stack = OpaquePointer(names)
            defer { GENERAL_NAMES_free(stack) }
            return (0..<OPENSSL_sk_num(stack)).compactMap { nameIndex in
                OPENSSL_sk_value(stack, nameIndex).flatMap { GeneralName.decode($0.assumingMemoryBound(to: GENERAL_NAME.self)) }
            }
        }
        return []
    }
}

private let extensionFree: @convention(c) (UnsafeMutableRawPointer?) -> Void = { ext in
    X509_EXTENSION_free(OpaquePointer(ext))
}
