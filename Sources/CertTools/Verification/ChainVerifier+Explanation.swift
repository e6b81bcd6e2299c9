internal import COpenSSL
import Foundation

extension ChainVerifier {
    /// Turns OpenSSL's verify error into a `VerificationFailure` with a plain message and hint.
    func explain(
        _ context: OpaquePointer,
        givenChain: [Certificate],
        hostname: String?,
        purpose: Purpose?,
        time: Date
    ) -> VerificationFailure {
        let error = X509_STORE_CTX_get_error(context)
        let depth = Int(X509_STORE_CTX_get_error_depth(context))
        let current: Certificate? =
            X509_STORE_CTX_get_current_cert(context).map { x509 in
                X509_up_ref(x509)
                return Certificate(takingOwnership: x509)
            } ?? (depth < givenChain.count ? givenChain[depth] : nil)
        let name = current.map { "\"\($0.subject)\"" } ?? "certificate \(depth)"
        let subject = current?.subject.description ?? ""
        let openSSL = String(cString: X509_verify_cert_error_string(Int(error)))
        func make(_ code: VerificationFailure.Code, _ message: String, _ hint: String) -> VerificationFailure {
            failure(code, depth: depth, subject: subject, message, hint: hint, openSSL: openSSL)
        }

        switch error {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            let end = current?.notAfter ?? time
            return make(
                .expired, "\(name) expired on \(UTCDate.day(end)), \(Self.days(from: end, to: time)) days before the time checked",
                "renew it (emqxctl cert issue) and install the new certificate")
        case X509_V_ERR_CERT_NOT_YET_VALID:
            let start = current?.notBefore ?? time
            return make(
                .notYetValid, "\(name) is not valid until \(Self.timestamp(start))",
                "check the clock of the machine or device; certificates from emqxctl are backdated one hour for small skews")
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            let issuer = current.map { "\"\($0.issuer)\"" } ?? "its issuer"
            if depth == givenChain.count - 1 && givenChain.count == 1 && !trustAnchors.contains(where: { $0.subject == current?.issuer }) {
                return make(
                    .missingIntermediate,
                    "missing intermediate or wrong CA: nothing in the CA file issued \(name); its issuer \(issuer) is in neither the CA file nor the certificate file",
                    "if \(issuer) is an intermediate CA, append it after the leaf in the certificate file; if it is a root, use it as the CA file"
                )
            }
            if trustAnchors.contains(where: { $0.subject == current?.issuer }) {
                return make(
                    .unknownIssuer,
                    "issued by a different CA with the same name: the CA file holds a \(issuer), but not the one whose key signed \(name)",
                    "the CA was regenerated, or this CA file is from another PKI; use the CA file made with the certificate, or reissue the certificate from this CA"
                )
            }
            return make(
                .unknownIssuer, "unknown issuer: the chain ends at \(name), issued by \(issuer), which is not in the CA file",
                "use the CA file that holds \(issuer), or add it there")
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return make(
                .unknownIssuer, "unknown issuer: \(name) is self-signed and is not in the CA file",
                "add it to the CA file if you mean to trust it")
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH, X509_V_ERR_EMAIL_MISMATCH:
            let names = current?.subjectAlternativeNames.map(\.description).joined(separator: ", ") ?? ""
            return make(
                .hostnameMismatch,
                "host name mismatch: \(name) is not valid for \"\(hostname ?? "")\"; it names \(names.isEmpty ? "no subjectAltName at all" : names)",
                "issue a certificate with --san \(hostname ?? "NAME") (clients ignore the CN when a SAN is present, and many always do)")
        case X509_V_ERR_INVALID_PURPOSE:
            let usages = current?.extendedKeyUsage ?? []
            let wanted = purpose == .client ? "clientAuth" : "serverAuth"
            return make(
                .wrongPurpose,
                "wrong purpose: \(name) is not for \(purpose?.rawValue ?? "this") use; its extendedKeyUsage is \(usages.isEmpty ? "absent" : usages.joined(separator: ", ")) and its keyUsage \(current?.keyUsage.joined(separator: ", ") ?? "")",
                "issue it with the \(purpose == .client ? "client" : "server") profile, which sets extendedKeyUsage \(wanted)")
        case X509_V_ERR_CERT_REVOKED:
            let entry = current.flatMap { certificate in
                crls.lazy.flatMap(\.entries).first { $0.serialNumber == certificate.serialNumber }
            }
            let when = entry.map { " on \(Self.timestamp($0.revocationDate))" } ?? ""
            let why = entry?.reason.map { " (\($0.rawValue))" } ?? ""
            return make(.revoked, "\(name) was revoked\(when)\(why)", "issue a new certificate; a revoked one cannot be reinstated")
        case X509_V_ERR_UNABLE_TO_GET_CRL:
            return make(
                .crlUnavailable, "no CRL from the issuer of \(name) was given, so its revocation status is unknown",
                "pass the CRL of \(current.map { "\"\($0.issuer)\"" } ?? "its issuer") with --crl (emqxctl cert crl writes one)")
        case X509_V_ERR_CRL_HAS_EXPIRED:
            return make(
                .crlExpired, "the CRL for \(name) is past its nextUpdate",
                "publish a fresh CRL (emqxctl cert crl); an expired CRL locks out every client under fail-closed checking")
        case X509_V_ERR_CRL_NOT_YET_VALID:
            return make(.crlExpired, "the CRL for \(name) is not valid yet (thisUpdate in the future)", "check the clocks")
        case X509_V_ERR_CRL_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE, X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
            return make(.crlInvalid, "the CRL for \(name) is not signed by its issuer", "use the CRL that the issuing CA published")
        case X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
            return make(
                .badSignature, "the signature on \(name) does not verify under its issuer's key",
                "the CA was probably regenerated with the same name; reissue the certificate from the current CA")
        case X509_V_ERR_INVALID_CA, X509_V_ERR_PATH_LENGTH_EXCEEDED, X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
            return make(
                .invalidCA, "\(name) is used as a CA but may not issue certificates (\(openSSL))",
                "issue intermediates with CA:TRUE and keyCertSign (emqxctl cert gen --intermediate does)")
        case X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER, X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER,
            X509_V_ERR_CA_BCONS_NOT_CRITICAL, X509_V_ERR_EMPTY_SUBJECT_ALT_NAME, X509_V_ERR_CA_CERT_MISSING_KEY_USAGE,
            X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3, X509_V_ERR_EC_KEY_EXPLICIT_PARAMS:
            return make(
                .strictViolation, "\(name) breaks an RFC 5280 rule that strict clients (Python 3.13+, Go) enforce: \(openSSL)",
                "reissue it with emqxctl cert issue, or verify with --no-strict to see whether lenient clients accept it")
        default:
            return make(.other, "\(name): \(openSSL)", "see `openssl verify` for details")
        }
    }

    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    static func days(from start: Date, to end: Date) -> Int {
        Int((end.timeIntervalSince(start) / 86400).rounded(.down))
    }
}
