internal import COpenSSL
public import Foundation

/// An X.509 CRL: the one Swift owner of an OpenSSL `X509_CRL`.
public final class CertificateRevocationList: @unchecked Sendable {
    let crl: OpaquePointer

    init(takingOwnership crl: OpaquePointer) { self.crl = crl }

    deinit { X509_CRL_free(crl) }

    /// One revoked certificate.
    public struct Entry: Sendable, Hashable {
        public let serialNumber: SerialNumber
        public let revocationDate: Date
        public let reason: RevocationReason?
    }

    public convenience init(der: [UInt8]) throws {
        self.init(takingOwnership: try DER.decode(der, as: "CRL") { d2i_X509_CRL(nil, $0, $1) })
    }

    package func withUnsafeX509CRL<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(crl) }

    public var derEncoded: [UInt8] { DER.encode { i2d_X509_CRL(crl, $0) } }

    public var pemEncoded: String { PEMParser.encode(derEncoded, label: "X509 CRL") }

    public var issuer: DistinguishedName { DistinguishedName(x509Name: X509_CRL_get_issuer(crl)) }
    public var thisUpdate: Date { ASN1TimeConversion.date(X509_CRL_get0_lastUpdate(crl)) ?? .distantPast }
    /// nil when the CRL has no nextUpdate (allowed by the ASN.1, forbidden by RFC 5280).
    public var nextUpdate: Date? { ASN1TimeConversion.date(X509_CRL_get0_nextUpdate(crl)) }

    /// The cRLNumber extension, as hex.
    public var crlNumber: SerialNumber? {
        guard let number = X509_CRL_get_ext_d2i(crl, NID_crl_number, nil, nil) else { return nil }
        let integer = number.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(integer) }
        return SerialNumber(asn1: integer)
    }

    public var entries: [Entry] {
        guard let revoked = X509_CRL_get_REVOKED(crl) else { return [] }
        return (0..<OPENSSL_sk_num(revoked)).compactMap { index in
            guard let raw = OPENSSL_sk_value(revoked, index) else { return nil }
            let entry = OpaquePointer(raw)
            var reason: RevocationReason?
            if let code = X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nil, nil) {
                let enumerated = code.assumingMemoryBound(to: ASN1_ENUMERATED.self)
                reason = RevocationReason(code: Int(ASN1_ENUMERATED_get(enumerated)))
                ASN1_ENUMERATED_free(enumerated)
            }
            return Entry(
                serialNumber: SerialNumber(asn1: X509_REVOKED_get0_serialNumber(entry)),
                revocationDate: ASN1TimeConversion.date(X509_REVOKED_get0_revocationDate(entry)) ?? .distantPast,
                reason: reason
            )
        }
    }

    /// The entry for `certificate` when this CRL revokes it. The caller has made sure the CRL
    /// is from the certificate's issuer.
    public func entry(revoking certificate: Certificate) -> Entry? {
        var revoked: OpaquePointer?
        guard X509_CRL_get0_by_cert(crl, &revoked, certificate.x509) == 1 else { return nil }
        return entries.first { $0.serialNumber == certificate.serialNumber }
    }

    /// The DER of the issuer Name, the key CRLs are looked up by.
    public var issuerNameDER: [UInt8] { DER.encode { i2d_X509_NAME(X509_CRL_get_issuer(crl), $0) } }

    /// Whether `issuer`'s key signed this CRL.
    public func isSigned(by issuer: Certificate) -> Bool {
        OpenSSLErrorStack.clear()
        defer { OpenSSLErrorStack.clear() }
        guard let key = X509_get0_pubkey(issuer.x509) else { return false }
        return X509_CRL_verify(crl, key) == 1
    }
}
