internal import COpenSSL
public import Foundation

/// An OCSP response (RFC 6960 §4.2): the one Swift owner of an `OCSP_RESPONSE`.
///
/// Parsing accepts any well-formed response; `check` decides whether it may be cached and
/// stapled, with the time as an input.
public final class OCSPResponse: @unchecked Sendable {
    let response: OpaquePointer
    /// The response exactly as received: what a server staples.
    public let der: [UInt8]

    public init(der: [UInt8]) throws {
        self.response = try DER.decode(der, as: "OCSP response") { d2i_OCSP_RESPONSE(nil, $0, $1) }
        self.der = der
    }

    deinit { OCSP_RESPONSE_free(response) }

    /// The responder's answer to the request as a whole: `successful`, `tryLater`, `unauthorized`…
    public var responseStatus: String {
        switch OCSP_response_status(response) {
        case OCSP_RESPONSE_STATUS_SUCCESSFUL: "successful"
        case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST: "malformedRequest"
        case OCSP_RESPONSE_STATUS_INTERNALERROR: "internalError"
        case OCSP_RESPONSE_STATUS_TRYLATER: "tryLater"
        case OCSP_RESPONSE_STATUS_SIGREQUIRED: "sigRequired"
        case OCSP_RESPONSE_STATUS_UNAUTHORIZED: "unauthorized"
        case let other: "status \(other)"
        }
    }

    /// What the response says about `certificate`, once every check passed:
    /// - the responder answered `successful`;
    /// - it is signed by `issuer`, or by a responder certificate that `issuer` issued for
    ///   OCSP signing (id-kp-OCSPSigning);
    /// - it covers `certificate` (the CertID matches);
    /// - `now` lies between thisUpdate and nextUpdate, give or take `clockSkew`;
    /// - the status is good or revoked (unknown means the responder cannot vouch for it).
    public func check(for certificate: Certificate, issuer: Certificate, at now: Date, clockSkew: TimeInterval = 300) throws
        -> OCSPCertificateStatus
    {
        func reject(_ why: String) -> CertToolsError { CertToolsError(.unacceptableOCSPResponse, why) }
        guard OCSP_response_status(response) == OCSP_RESPONSE_STATUS_SUCCESSFUL else {
            throw reject("the responder answered \"\(responseStatus)\" instead of a status")
        }
        OpenSSLErrorStack.clear()
        guard let basic = OCSP_response_get1_basic(response) else {
            throw OpenSSLErrorStack.error("the response carries no basic OCSP response", code: .unacceptableOCSPResponse)
        }
        defer { OCSP_BASICRESP_free(basic) }
        try verifySignature(basic, issuer: issuer)

        guard let id = OCSPCertID.make(certificate, issuer) else { throw OpenSSLErrorStack.error("cannot build the OCSP CertID") }
        defer { OCSP_CERTID_free(id) }
        var status: Int32 = -1
        var reason: Int32 = -1
        var revoked: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var thisUpdateTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var nextUpdateTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        guard OCSP_resp_find_status(basic, id, &status, &reason, &revoked, &thisUpdateTime, &nextUpdateTime) == 1 else {
            throw reject("the response does not cover this certificate (serial \(certificate.serialNumber))")
        }
        guard let thisUpdate = ASN1TimeConversion.date(thisUpdateTime) else { throw reject("the response has no valid thisUpdate") }
        let nextUpdate = ASN1TimeConversion.date(nextUpdateTime)
        if thisUpdate > now.addingTimeInterval(clockSkew) {
            throw reject("the response is not valid yet (thisUpdate \(UTCDate.time(thisUpdate)))")
        }
        if let nextUpdate, nextUpdate < now.addingTimeInterval(-clockSkew) {
            throw reject("the response expired at its nextUpdate, \(UTCDate.time(nextUpdate))")
        }
        let state: OCSPCertificateStatus.State
        switch status {
        case V_OCSP_CERTSTATUS_GOOD:
            state = .good
        case V_OCSP_CERTSTATUS_REVOKED:
            state = .revoked(
                at: ASN1TimeConversion.date(revoked) ?? thisUpdate, reason: reason >= 0 ? RevocationReason(code: Int(reason)) : nil)
        default:
            throw reject("the responder does not know this certificate (status unknown); is the responder serving its issuer?")
        }
        return OCSPCertificateStatus(state: state, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
    }

    /// The signer must be the issuer or a delegated responder the issuer certified. The
    /// issuer is the only trust anchor (partial chains allowed, since it may be an
    /// intermediate), so a response signed by anyone else fails.
    private func verifySignature(_ basic: OpaquePointer, issuer: Certificate) throws {
        guard let store = X509_STORE_new() else { throw OpenSSLErrorStack.error("cannot create a certificate store") }
        defer { X509_STORE_free(store) }
        guard let certificates = OPENSSL_sk_new_null() else { throw OpenSSLErrorStack.error("cannot create a certificate stack") }
        defer { OPENSSL_sk_free(certificates) }  // the stack only borrows the issuer
        guard X509_STORE_add_cert(store, issuer.x509) == 1, OPENSSL_sk_push(certificates, UnsafeRawPointer(issuer.x509)) > 0 else {
            throw OpenSSLErrorStack.error("cannot trust the issuer certificate")
        }
        _ = X509_STORE_set_flags(store, UInt(X509_V_FLAG_PARTIAL_CHAIN))
        OpenSSLErrorStack.clear()
        guard OCSP_basic_verify(basic, certificates, store, 0) == 1 else {
            throw OpenSSLErrorStack.error(
                "the response is not signed by \(issuer.subject) or a responder it delegated to", code: .unacceptableOCSPResponse)
        }
    }
}

/// A certificate's status as a checked OCSP response gives it.
public struct OCSPCertificateStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case good
        case revoked(at: Date, reason: RevocationReason?)
    }

    public let state: State
    public let thisUpdate: Date
    /// nil when the responder promises nothing about newer information (RFC 6960 §4.2.2.1).
    public let nextUpdate: Date?
}
