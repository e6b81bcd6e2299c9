internal import COpenSSL
internal import COpenSSLShims
import Foundation

extension Certificate {
    /// basicConstraints CA flag.
    public var isCA: Bool { X509_check_ca(x509) >= 1 && (X509_get_extension_flags(x509) & UInt32(EXFLAG_CA)) != 0 }

    /// basicConstraints pathLenConstraint, when set.
    public var pathLengthConstraint: Int? {
        let length = X509_get_pathlen(x509)
        return length >= 0 ? Int(length) : nil
    }

    /// keyUsage bits by their RFC 5280 names, in RFC order; empty when the extension is absent.
    public var keyUsage: [String] {
        guard (X509_get_extension_flags(x509) & UInt32(EXFLAG_KUSAGE)) != 0 else { return [] }
        let bits = X509_get_key_usage(x509)
        let names: [(UInt32, String)] = [
            (UInt32(KU_DIGITAL_SIGNATURE), "digitalSignature"), (UInt32(KU_NON_REPUDIATION), "nonRepudiation"),
            (UInt32(KU_KEY_ENCIPHERMENT), "keyEncipherment"), (UInt32(KU_DATA_ENCIPHERMENT), "dataEncipherment"),
            (UInt32(KU_KEY_AGREEMENT), "keyAgreement"), (UInt32(KU_KEY_CERT_SIGN), "keyCertSign"),
            (UInt32(KU_CRL_SIGN), "cRLSign"), (UInt32(KU_ENCIPHER_ONLY), "encipherOnly"),
            (UInt32(KU_DECIPHER_ONLY), "decipherOnly"),
        ]
        return names.filter { bits & $0.0 != 0 }.map(\.1)
    }

    /// extendedKeyUsage purposes by name (`serverAuth`, `clientAuth`, …); empty when absent.
    public var extendedKeyUsage: [String] {
        guard let usages = X509_get_ext_d2i(x509, NID_ext_key_usage, nil, nil) else { return [] }
        let stack = OpaquePointer(usages)
        defer { OPENSSL_sk_pop_free(stack, asn1ObjectFree) }
        return (0..<OPENSSL_sk_num(stack)).compactMap { index in
            guard let object = OPENSSL_sk_value(stack, index) else { return nil }
            let nid = OBJ_obj2nid(OpaquePointer(object))
            return nid == NID_undef ? "unknown" : String(cString: OBJ_nid2sn(nid))
        }
    }

    /// subjectAltName entries, in certificate order. Types we do not classify are skipped.
    public var subjectAlternativeNames: [SubjectAlternativeName] {
        guard let names = X509_get_ext_d2i(x509, NID_subject_alt_name, nil, nil) else { return [] }
        let stack = OpaquePointer(names)
        defer { GENERAL_NAMES_free(stack) }
        return (0..<OPENSSL_sk_num(stack)).compactMap { index in
            guard let raw = OPENSSL_sk_value(stack, index) else { return nil }
            return GeneralName.decode(raw.assumingMemoryBound(to: GENERAL_NAME.self))
        }
    }

    /// subjectKeyIdentifier, hex with colons.
    public var subjectKeyIdentifier: String? {
        guard let id = X509_get0_subject_key_id(x509) else { return nil }
        return ASN1Bytes.bytes(id).colonHex
    }

    /// authorityKeyIdentifier keyIdentifier, hex with colons.
    public var authorityKeyIdentifier: String? {
        guard let id = X509_get0_authority_key_id(x509) else { return nil }
        return ASN1Bytes.bytes(id).colonHex
    }

    /// The URIs of the CRL distribution points.
    public var crlDistributionPoints: [String] {
        guard let points = X509_get_ext_d2i(x509, NID_crl_distribution_points, nil, nil) else { return [] }
        let stack = OpaquePointer(points)
        defer { CRL_DIST_POINTS_free(stack) }
        var uris: [String] = []
        for index in 0..<OPENSSL_sk_num(stack) {
            guard let raw = OPENSSL_sk_value(stack, index) else { continue }
            let point = raw.assumingMemoryBound(to: DIST_POINT.self)
            guard let name = point.pointee.distpoint, name.pointee.type == 0 else { continue }
            let fullNames = name.pointee.name.fullname
            for nameIndex in 0..<OPENSSL_sk_num(fullNames) {
                guard let general = OPENSSL_sk_value(fullNames, nameIndex) else { continue }
                if case .uri(let uri) = GeneralName.decode(general.assumingMemoryBound(to: GENERAL_NAME.self)) {
                    uris.append(uri)
                }
            }
        }
        return uris
    }

    /// The OCSP responder URIs of the authorityInfoAccess extension.
    public var ocspResponders: [String] {
        guard let list = X509_get1_ocsp(x509) else { return [] }
        defer { X509_email_free(list) }
        return (0..<OPENSSL_sk_num(list)).compactMap { index in
            OPENSSL_sk_value(list, index).map { String(cString: $0.assumingMemoryBound(to: CChar.self)) }
        }
    }
}

private let asn1ObjectFree: @convention(c) (UnsafeMutableRawPointer?) -> Void = { object in
    ASN1_OBJECT_free(OpaquePointer(object))
}

/// Reads the bytes of an ASN1_STRING (OCTET STRING, IA5String, …).
enum ASN1Bytes {
    static func bytes(_ string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let count = Int(ASN1_STRING_length(string))
        guard count > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    static func string(_ string: UnsafePointer<ASN1_STRING>) -> String {
        String(decoding: bytes(string), as: UTF8.self)
    }
}

/// Conversions between GENERAL_NAME and `SubjectAlternativeName`.
enum GeneralName {
    static func decode(_ name: UnsafeMutablePointer<GENERAL_NAME>) -> SubjectAlternativeName? {
        var type: Int32 = 0
        guard let value = GENERAL_NAME_get0_value(name, &type) else { return nil }
        let string = value.assumingMemoryBound(to: ASN1_STRING.self)
        switch type {
        case GEN_DNS: return .dns(ASN1Bytes.string(string))
        case GEN_URI: return .uri(ASN1Bytes.string(string))
        case GEN_EMAIL: return .email(ASN1Bytes.string(string))
        case GEN_IPADD:
            let bytes = ASN1Bytes.bytes(string)
            var buffer = [CChar](repeating: 0, count: 64)
            let family = bytes.count == 4 ? AF_INET : AF_INET6
            guard bytes.count == 4 || bytes.count == 16,
                inet_ntop(family, bytes, &buffer, socklen_t(buffer.count)) != nil
            else { return nil }
            return .ipAddress(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        default: return nil
        }
    }
}
