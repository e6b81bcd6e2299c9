internal import COpenSSL

/// An OCSP request for one certificate (RFC 6960 §4.1): one CertID with SHA-1 hashes of the
/// issuer's name and key, which is what responders index by, and no nonce, so the response
/// can be cached and stapled (the RFC 5019 profile).
public struct OCSPRequest: Sendable {
    public let der: [UInt8]

    /// Fails when `issuer` did not issue `certificate`: the CertID would name the wrong key,
    /// and the responder could only answer "unknown".
    public init(certificate: Certificate, issuer: Certificate) throws {
        guard certificate.isIssued(by: issuer) else {
            throw CertToolsError(
                .invalidArgument,
                "\(issuer.subject) did not issue \(certificate.subject) (its issuer is \(certificate.issuer))")
        }
        OpenSSLErrorStack.clear()
        guard let request = OCSP_REQUEST_new() else { throw OpenSSLErrorStack.error("cannot create an OCSP request") }
        defer { OCSP_REQUEST_free(request) }
        guard let id = OCSPCertID.make(certificate, issuer) else { throw OpenSSLErrorStack.error("cannot build the OCSP CertID") }
        guard OCSP_request_add0_id(request, id) != nil else {  // takes the id on success
            OCSP_CERTID_free(id)
            throw OpenSSLErrorStack.error("cannot add the CertID to the OCSP request")
        }
        der = DER.encode { i2d_OCSP_REQUEST(request, $0) }
    }
}

/// The CertID of RFC 6960 §4.1.1, built the same way for a request and for finding the
/// answer in a response.
enum OCSPCertID {
    /// SHA-1 (OpenSSL's default); the caller frees the result with `OCSP_CERTID_free`.
    static func make(_ certificate: Certificate, _ issuer: Certificate) -> OpaquePointer? {
        OCSP_cert_to_id(nil, certificate.x509, issuer.x509)
    }
}
