internal import COpenSSL
public import Foundation

/// Answers OCSP requests for what one CA issued, from its database (index.txt), signing as
/// the CA itself (RFC 6960 §4.2.2.2: no delegated responder certificate needed).
///
/// Each CertID gets good (issued, not revoked), revoked (with time and reason) or unknown
/// (another CA's, or a serial this CA never issued). A request that does not parse gets the
/// malformedRequest status; a nonce, when sent, is echoed.
public struct OCSPResponder: Sendable {
    public let issuer: CertificateIssuer
    public let database: CADatabase

    /// `issuer` must have a certificate (the CA that signed the leaves).
    public init(issuer: CertificateIssuer, database: CADatabase) throws {
        guard issuer.certificate != nil else { throw CertToolsError(.invalidArgument, "an OCSP responder needs the CA certificate") }
        self.issuer = issuer
        self.database = database
    }

    /// What the responder says, for logs: `good`, `revoked`, `unknown`, one per CertID.
    public struct Answer: Sendable {
        public let der: [UInt8]
        public let statuses: [(serial: SerialNumber?, status: String)]
    }

    /// The DER OCSPResponse for a DER OCSPRequest; thisUpdate is `now`, nextUpdate `now +
    /// validity`.
    public func respond(to request: [UInt8], at now: Date, validity: TimeInterval) -> Answer {
        OpenSSLErrorStack.clear()
        defer { OpenSSLErrorStack.clear() }
        guard let parsed = try? DER.decode(request, as: "OCSP request", { d2i_OCSP_REQUEST(nil, $0, $1) }) else {
            return Self.failure(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST)
        }
        defer { OCSP_REQUEST_free(parsed) }
        let count = OCSP_request_onereq_count(parsed)
        guard count > 0, let basic = OCSP_BASICRESP_new() else { return Self.failure(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST) }
        defer { OCSP_BASICRESP_free(basic) }
        guard let thisUpdate = try? ASN1TimeConversion.make(now) else { return Self.failure(OCSP_RESPONSE_STATUS_INTERNALERROR) }
        defer { ASN1_TIME_free(thisUpdate) }
        guard let nextUpdate = try? ASN1TimeConversion.make(now.addingTimeInterval(validity)) else {
            return Self.failure(OCSP_RESPONSE_STATUS_INTERNALERROR)
        }
        defer { ASN1_TIME_free(nextUpdate) }

        var statuses: [(SerialNumber?, String)] = []
        for index in 0..<count {
            guard let id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(parsed, index)) else { continue }
            let (status, serial) = answer(id)
            var reason = -1
            var revokedAt: UnsafeMutablePointer<ASN1_TIME>?
            defer { ASN1_TIME_free(revokedAt) }
            var code = V_OCSP_CERTSTATUS_UNKNOWN
            var word = "unknown"
            switch status {
            case .good:
                code = V_OCSP_CERTSTATUS_GOOD
                word = "good"
            case .revoked(let revocation):
                code = V_OCSP_CERTSTATUS_REVOKED
                word = "revoked"
                reason = revocation.reason?.code ?? -1
                revokedAt = try? ASN1TimeConversion.make(revocation.date)
            case .unknown:
                break
            }
            guard OCSP_basic_add1_status(basic, id, code, Int32(reason), revokedAt, thisUpdate, nextUpdate) != nil else {
                return Self.failure(OCSP_RESPONSE_STATUS_INTERNALERROR)
            }
            statuses.append((serial, word))
        }
        _ = OCSP_copy_nonce(basic, parsed)
        let signed: Int32? = issuer.certificate?.withUnsafeX509 { certificate in
            issuer.key.withUnsafeEVPKey { key in
                OCSP_basic_sign(basic, certificate, key, issuer.key.signsWithoutDigest ? nil : EVP_sha256(), nil, 0)
            }
        }
        guard signed == 1, let response = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic) else {
            return Self.failure(OCSP_RESPONSE_STATUS_INTERNALERROR)
        }
        defer { OCSP_RESPONSE_free(response) }
        return Answer(der: DER.encode { i2d_OCSP_RESPONSE(response, $0) }, statuses: statuses.map { (serial: $0.0, status: $0.1) })
    }

    private enum Status {
        case good
        case revoked(CADatabase.Record.Revocation)
        case unknown
    }

    /// The status of one CertID: unknown unless it names this CA and a serial it issued.
    private func answer(_ id: OpaquePointer) -> (Status, SerialNumber?) {
        var hashAlgorithm: OpaquePointer?
        var serialNumber: UnsafeMutablePointer<ASN1_INTEGER>?
        guard OCSP_id_get0_info(nil, &hashAlgorithm, nil, &serialNumber, id) == 1, let serialNumber else { return (.unknown, nil) }
        let serial = SerialNumber(asn1: serialNumber)
        guard let certificate = issuer.certificate,
            let digest = hashAlgorithm.flatMap({ EVP_get_digestbyname(OBJ_nid2sn(OBJ_obj2nid($0))) }),
            let ours = OCSP_cert_to_id(digest, nil, certificate.x509)
        else { return (.unknown, serial) }
        defer { OCSP_CERTID_free(ours) }
        guard OCSP_id_issuer_cmp(ours, id) == 0, let record = database.record(for: serial) else { return (.unknown, serial) }
        if let revocation = record.revocation { return (.revoked(revocation), serial) }
        return (.good, serial)
    }

    private static func failure(_ status: Int32) -> Answer {
        guard let response = OCSP_response_create(status, nil) else { return Answer(der: [], statuses: []) }
        defer { OCSP_RESPONSE_free(response) }
        return Answer(der: DER.encode { i2d_OCSP_RESPONSE(response, $0) }, statuses: [])
    }
}
