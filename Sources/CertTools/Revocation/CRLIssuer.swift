internal import COpenSSL
public import Foundation

/// A certificate to list on a CRL.
public struct RevokedCertificate: Sendable, Hashable {
    public var serialNumber: SerialNumber
    public var revocationDate: Date
    public var reason: RevocationReason?

    public init(serialNumber: SerialNumber, revocationDate: Date, reason: RevocationReason?) {
        self.serialNumber = serialNumber
        self.revocationDate = revocationDate
        self.reason = reason
    }
}

extension CertificateIssuer {
    /// Issues a v2 CRL listing `revoked`, with cRLNumber `number`, an authorityKeyIdentifier,
    /// and the given update window. Only a CA certificate can sign CRLs.
    public func issueCRL(
        revoked: [RevokedCertificate],
        number: SerialNumber,
        thisUpdate: Date,
        nextUpdate: Date
    ) throws -> CertificateRevocationList {
        guard let certificate else { throw CertToolsError(.invalidArgument, "a CRL needs an issuing CA certificate") }
        guard nextUpdate > thisUpdate else { throw CertToolsError(.invalidArgument, "nextUpdate must be after thisUpdate") }
        guard let handle = X509_CRL_new() else { throw OpenSSLErrorStack.error("cannot allocate a CRL") }
        let crl = CertificateRevocationList(takingOwnership: handle)
        OpenSSLErrorStack.clear()
        guard X509_CRL_set_version(handle, 1) == 1,
            X509_CRL_set_issuer_name(handle, X509_get_subject_name(certificate.x509)) == 1
        else { throw OpenSSLErrorStack.error("cannot start the CRL") }
        let last = try ASN1TimeConversion.make(thisUpdate)
        defer { ASN1_TIME_free(last) }
        let next = try ASN1TimeConversion.make(nextUpdate)
        defer { ASN1_TIME_free(next) }
        guard X509_CRL_set1_lastUpdate(handle, last) == 1, X509_CRL_set1_nextUpdate(handle, next) == 1 else {
            throw OpenSSLErrorStack.error("cannot set the CRL dates")
        }
        for entry in revoked {
            try add(entry, to: handle)
        }
        _ = X509_CRL_sort(handle)
        let crlNumber = try number.makeASN1Integer()
        defer { ASN1_INTEGER_free(crlNumber) }
        guard X509_CRL_add1_ext_i2d(handle, NID_crl_number, UnsafeMutableRawPointer(crlNumber), 0, 0) == 1 else {
            throw OpenSSLErrorStack.error("cannot add the cRLNumber")
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, certificate.x509, nil, nil, handle, 0)
        guard let aki = X509V3_EXT_nconf_nid(nil, &context, NID_authority_key_identifier, "keyid:always") else {
            throw OpenSSLErrorStack.error("cannot build the CRL's authorityKeyIdentifier")
        }
        defer { X509_EXTENSION_free(aki) }
        guard X509_CRL_add_ext(handle, aki, -1) == 1 else { throw OpenSSLErrorStack.error("cannot add the CRL's AKI") }
        let digest = key.signsWithoutDigest ? nil : EVP_sha256()
        guard X509_CRL_sign(handle, key.evpKey, digest) > 0 else { throw OpenSSLErrorStack.error("signing the CRL failed") }
        return crl
    }

    private func add(_ entry: RevokedCertificate, to crl: OpaquePointer) throws {
        guard let revoked = X509_REVOKED_new() else { throw OpenSSLErrorStack.error("cannot allocate a CRL entry") }
        var owned = true
        defer { if owned { X509_REVOKED_free(revoked) } }
        let serial = try entry.serialNumber.makeASN1Integer()
        defer { ASN1_INTEGER_free(serial) }
        let date = try ASN1TimeConversion.make(entry.revocationDate)
        defer { ASN1_TIME_free(date) }
        guard X509_REVOKED_set_serialNumber(revoked, serial) == 1, X509_REVOKED_set_revocationDate(revoked, date) == 1 else {
            throw OpenSSLErrorStack.error("cannot fill the CRL entry for \(entry.serialNumber)")
        }
        if let reason = entry.reason {
            guard let code = ASN1_ENUMERATED_new() else { throw OpenSSLErrorStack.error("cannot allocate a reason") }
            defer { ASN1_ENUMERATED_free(code) }
            guard ASN1_ENUMERATED_set(code, reason.code) == 1,
                X509_REVOKED_add1_ext_i2d(revoked, NID_crl_reason, UnsafeMutableRawPointer(code), 0, 0) == 1
            else { throw OpenSSLErrorStack.error("cannot add the reason to the CRL entry") }
        }
        guard X509_CRL_add0_revoked(crl, revoked) == 1 else { throw OpenSSLErrorStack.error("cannot add the CRL entry") }
        owned = false
    }
}
