internal import COpenSSL
import Foundation

/// Signs certificates: the CA's certificate and key, or (for a root) no certificate at all.
public struct CertificateIssuer: Sendable {
    /// The issuing CA's certificate; nil when issuing a self-signed root.
    public let certificate: Certificate?
    public let key: PrivateKey

    /// An issuer that signs with `key` as the CA `certificate`. Throws `.keyMismatch` when
    /// the key is not the certificate's.
    public init(certificate: Certificate, key: PrivateKey) throws {
        guard key.matches(certificate) else {
            throw CertToolsError(.keyMismatch, "the CA key does not belong to the CA certificate \(certificate.subject)")
        }
        guard certificate.isCA else {
            throw CertToolsError(.invalidArgument, "\(certificate.subject) is not a CA certificate (basicConstraints CA:FALSE)")
        }
        self.certificate = certificate
        self.key = key
    }

    /// An issuer for self-signed roots.
    public init(selfSigningWith key: PrivateKey) {
        self.certificate = nil
        self.key = key
    }

    /// Issues a certificate for `subjectKey` with X.509 v3 extensions from `spec.profile`,
    /// signed with SHA-256 (or pure Ed25519), under `serial`.
    public func issue(_ spec: CertificateSpec, subjectKey: PrivateKey, serial: SerialNumber) throws -> Certificate {
        if certificate == nil && spec.profile != .rootCA {
            throw CertToolsError(.invalidArgument, "only a root CA can be self-signed")
        }
        guard spec.notAfter > spec.notBefore else {
            throw CertToolsError(.invalidArgument, "notAfter must be later than notBefore")
        }
        if let issuerCertificate = certificate, spec.notAfter > issuerCertificate.notAfter {
            // Clients reject a chain past its CA's end anyway; say so now rather than then.
            throw CertToolsError(
                .invalidArgument,
                "the certificate would outlive its CA (\(issuerCertificate.subject) expires \(issuerCertificate.notAfter)); issue it for fewer days"
            )
        }
        guard let x509 = X509_new() else { throw OpenSSLErrorStack.error("cannot allocate a certificate") }
        let result = Certificate(takingOwnership: x509)
        try fill(x509, spec: spec, subjectKey: subjectKey, serial: serial)
        try addExtensions(to: x509, spec: spec, subjectKey: subjectKey)
        OpenSSLErrorStack.clear()
        let digest = key.signsWithoutDigest ? nil : EVP_sha256()
        guard X509_sign(x509, key.evpKey, digest) > 0 else {
            throw OpenSSLErrorStack.error("signing the certificate failed")
        }
        return result
    }

    private func fill(_ x509: OpaquePointer, spec: CertificateSpec, subjectKey: PrivateKey, serial: SerialNumber) throws {
        OpenSSLErrorStack.clear()
        guard X509_set_version(x509, 2) == 1 else { throw OpenSSLErrorStack.error("cannot set the version") }
        let serialInteger = try serial.makeASN1Integer()
        defer { ASN1_INTEGER_free(serialInteger) }
        guard X509_set_serialNumber(x509, serialInteger) == 1 else { throw OpenSSLErrorStack.error("cannot set the serial") }
        try ASN1TimeConversion.set(X509_getm_notBefore(x509), to: spec.notBefore)
        try ASN1TimeConversion.set(X509_getm_notAfter(x509), to: spec.notAfter)
        let subject = try spec.subject.makeX509Name()
        defer { X509_NAME_free(subject) }
        guard X509_set_subject_name(x509, subject) == 1 else { throw OpenSSLErrorStack.error("cannot set the subject") }
        let issuerName = certificate.map { X509_get_subject_name($0.x509) } ?? subject
        guard X509_set_issuer_name(x509, issuerName) == 1 else { throw OpenSSLErrorStack.error("cannot set the issuer") }
        guard X509_set_pubkey(x509, subjectKey.evpKey) == 1 else { throw OpenSSLErrorStack.error("cannot set the public key") }
    }

    private func addExtensions(to x509: OpaquePointer, spec: CertificateSpec, subjectKey: PrivateKey) throws {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, certificate?.x509 ?? x509, x509, nil, nil, 0)
        let profile = spec.profile
        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, profile.basicConstraints),
            (NID_key_usage, profile.keyUsage(rsa: subjectKey.keyDescription.type == "RSA")),
            (NID_subject_key_identifier, "hash"),
        ]
        if certificate != nil { extensions.append((NID_authority_key_identifier, "keyid:always")) }
        if let usage = profile.extendedKeyUsage { extensions.append((NID_ext_key_usage, usage)) }
        if let url = spec.crlDistributionPoint {
            extensions.append((NID_crl_distribution_points, "URI:" + (try validatedExtensionURL(url, option: "--crl-url"))))
        }
        if let url = spec.ocspResponder {
            extensions.append((NID_info_access, "OCSP;URI:" + (try validatedExtensionURL(url, option: "--ocsp-url"))))
        }
        for (nid, value) in extensions {
            try add(nid, value, to: x509, context: &context)
        }
        if !spec.subjectAlternativeNames.isEmpty {
            try addSubjectAlternativeNames(spec.subjectAlternativeNames, to: x509)
        }
    }

    private func add(_ nid: Int32, _ value: String, to x509: OpaquePointer, context: inout X509V3_CTX) throws {
        OpenSSLErrorStack.clear()
        guard let ext = X509V3_EXT_nconf_nid(nil, &context, nid, value) else {
            throw OpenSSLErrorStack.error("cannot build the \(String(cString: OBJ_nid2sn(nid))) extension \"\(value)\"")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(x509, ext, -1) == 1 else {
            throw OpenSSLErrorStack.error("cannot add the \(String(cString: OBJ_nid2sn(nid))) extension")
        }
    }

    /// Builds subjectAltName from GENERAL_NAMEs directly rather than through OpenSSL's
    /// config-string syntax, so no value can smuggle in another entry with a comma.
    private func addSubjectAlternativeNames(_ names: [SubjectAlternativeName], to x509: OpaquePointer) throws {
        guard let stack = OPENSSL_sk_new_null() else { throw OpenSSLErrorStack.error("cannot allocate names") }
        defer { GENERAL_NAMES_free(stack) }
        for name in names {
            guard let general = GENERAL_NAME_new() else { throw OpenSSLErrorStack.error("cannot allocate a name") }
            guard OPENSSL_sk_push(stack, general) > 0 else {
                GENERAL_NAME_free(general)
                throw OpenSSLErrorStack.error("cannot allocate names")
            }
            try GeneralName.encode(name, into: general)
        }
        OpenSSLErrorStack.clear()
        guard X509_add1_ext_i2d(x509, NID_subject_alt_name, UnsafeMutableRawPointer(stack), 0, UInt(X509V3_ADD_DEFAULT)) == 1 else {
            throw OpenSSLErrorStack.error("cannot add the subjectAltName extension")
        }
    }
}

extension GeneralName {
    /// Fills an empty GENERAL_NAME with `name`.
    static func encode(_ name: SubjectAlternativeName, into general: UnsafeMutablePointer<GENERAL_NAME>) throws {
        let bytes: [UInt8]
        let type: Int32
        switch name {
        case .dns(let value): (type, bytes) = (GEN_DNS, Array(value.utf8))
        case .uri(let value): (type, bytes) = (GEN_URI, Array(value.utf8))
        case .email(let value): (type, bytes) = (GEN_EMAIL, Array(value.utf8))
        case .ipAddress(let value):
            type = GEN_IPADD
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, value, &v4) == 1 {
                bytes = withUnsafeBytes(of: &v4) { Array($0) }
            } else if inet_pton(AF_INET6, value, &v6) == 1 {
                bytes = withUnsafeBytes(of: &v6) { Array($0) }
            } else {
                throw CertToolsError(.invalidSubjectAlternativeName, "\"\(value)\" is not an IP address")
            }
        }
        let stringType = type == GEN_IPADD ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING
        guard let string = ASN1_STRING_type_new(stringType) else { throw OpenSSLErrorStack.error("cannot allocate a name") }
        guard ASN1_STRING_set(string, bytes, Int32(bytes.count)) == 1 else {
            ASN1_STRING_free(string)
            throw OpenSSLErrorStack.error("cannot encode \(name)")
        }
        GENERAL_NAME_set0_value(general, type, UnsafeMutableRawPointer(string))
    }
}
