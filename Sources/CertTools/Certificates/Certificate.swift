internal import COpenSSL
public import Foundation

/// An X.509 certificate: the one Swift owner of an OpenSSL `X509`.
///
/// Parsed values only; judgements (is it expired, does the chain verify) live in
/// `ChainVerifier`, which takes the time as an input.
public final class Certificate: @unchecked Sendable {
    let x509: OpaquePointer

    init(takingOwnership x509: OpaquePointer) { self.x509 = x509 }

    /// Wraps an `X509*` that someone else owns (BrokerRuntime's TLS callbacks), taking a
    /// reference of its own.
    package convenience init(retaining x509: OpaquePointer) {
        X509_up_ref(x509)
        self.init(takingOwnership: x509)
    }

    deinit { X509_free(x509) }

    /// Parses one DER certificate.
    public convenience init(der: [UInt8]) throws {
        self.init(takingOwnership: try DER.decode(der, as: "certificate") { d2i_X509(nil, $0, $1) })
    }

    /// Runs `body` with the `X509*`, for BrokerRuntime's TLS layer. The pointer must not
    /// outlive the call; take a reference with `X509_up_ref` to keep it.
    package func withUnsafeX509<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(x509) }

    public var derEncoded: [UInt8] { DER.encode { i2d_X509(x509, $0) } }

    public var pemEncoded: String { PEMParser.encode(derEncoded, label: "CERTIFICATE") }

    // MARK: Names and identity

    public var subject: DistinguishedName { DistinguishedName(x509Name: X509_get_subject_name(x509)) }
    public var issuer: DistinguishedName { DistinguishedName(x509Name: X509_get_issuer_name(x509)) }

    /// The DER of the issuer Name, the key CRLs are looked up by.
    public var issuerNameDER: [UInt8] { DER.encode { i2d_X509_NAME(X509_get_issuer_name(x509), $0) } }

    /// The serial number in upper-case hex, as `openssl x509 -serial` and index.txt write it.
    public var serialNumber: SerialNumber { SerialNumber(asn1: X509_get0_serialNumber(x509)) }

    /// SHA-256 over the DER certificate.
    public var sha256Fingerprint: [UInt8] { SHA256.digest(derEncoded) }

    /// SHA-256 over the DER SubjectPublicKeyInfo (equal to the matching key's).
    public var publicKeyFingerprint: [UInt8] { X509_get0_pubkey(x509).map(DER.publicKeyFingerprint) ?? [] }

    public var publicKeyDescription: KeyDescription? {
        guard let key = X509_get0_pubkey(x509) else { return nil }
        return KeyDescription(evpKey: key)
    }

    /// The signature algorithm's OpenSSL long name, e.g. `ecdsa-with-SHA256`.
    public var signatureAlgorithm: String {
        let nid = X509_get_signature_nid(x509)
        return String(cString: OBJ_nid2ln(nid))
    }

    // MARK: Validity

    public var notBefore: Date { ASN1TimeConversion.date(X509_get0_notBefore(x509)) ?? .distantPast }
    public var notAfter: Date { ASN1TimeConversion.date(X509_get0_notAfter(x509)) ?? .distantPast }

    /// Whether subject and issuer are the same name and the certificate verifies under its own
    /// key: a root (or a self-signed leaf).
    public var isSelfSigned: Bool {
        OpenSSLErrorStack.clear()
        defer { OpenSSLErrorStack.clear() }
        return X509_check_issued(x509, x509) == X509_V_OK
    }

    /// Whether `issuer` signed this certificate (name, key identifier and signature all agree).
    public func isIssued(by issuer: Certificate) -> Bool {
        OpenSSLErrorStack.clear()
        defer { OpenSSLErrorStack.clear() }
        guard X509_check_issued(issuer.x509, x509) == X509_V_OK else { return false }
        guard let key = X509_get0_pubkey(issuer.x509) else { return false }
        return X509_verify(x509, key) == 1
    }
}

extension Certificate: Equatable {
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { X509_cmp(lhs.x509, rhs.x509) == 0 }
}
