internal import COpenSSL
internal import COpenSSLShims
import CertTools
import ConfigModel

/// CRL checking inside the handshake: OpenSSL checks every certificate of the client's chain
/// (X509_V_FLAG_CRL_CHECK_ALL; EMQX checks the client certificate only) against the CRLs our
/// lookup callback returns from the listener's `CRLSource`, and our verify callback decides
/// what a missing CRL means: the client certificate must have one, an intermediate is
/// checked when a CRL of its issuer is at hand.
///
/// A revoked certificate is refused with the certificate_revoked alert. A distribution point
/// not fetched yet lets the handshake finish and leaves the verdict to `RevocationCheck`
/// (the TLSHandler holds the client's data until the fetch is done). A CRL that cannot be
/// had follows `crl_unavailable`.
enum CRLChecking {
    /// The SSL_CTX ex_data slot holding the listener's `Box`.
    static let contextIndex: Int32 = COpenSSLShims_SSL_CTX_get_ex_new_index()
    /// The SSL ex_data slot holding the connection's `RevocationCheck`.
    static let connectionIndex: Int32 = COpenSSLShims_SSL_get_ex_new_index()

    final class Box {
        let cache: any CRLSource
        let policy: CRLUnavailablePolicy
        init(cache: any CRLSource, policy: CRLUnavailablePolicy) {
            self.cache = cache
            self.policy = policy
        }
    }

    static func install(_ box: Box, on context: OpaquePointer, verifyMode: Int32) {
        SSL_CTX_set_ex_data(context, contextIndex, Unmanaged.passUnretained(box).toOpaque())
        _ = X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(context), UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
        X509_STORE_set_lookup_crls(SSL_CTX_get_cert_store(context), lookupCRLs)
        SSL_CTX_set_verify(context, verifyMode, verifyCallback)
    }

    static func box(of ssl: OpaquePointer) -> Box? {
        guard let context = SSL_get_SSL_CTX(ssl), let raw = SSL_CTX_get_ex_data(context, contextIndex) else { return nil }
        return Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue()
    }

    static func attach(_ check: RevocationCheck, to ssl: OpaquePointer) {
        SSL_set_ex_data(ssl, connectionIndex, Unmanaged.passUnretained(check).toOpaque())
    }

    /// The SSL a verification runs for.
    static func ssl(of storeContext: OpaquePointer) -> OpaquePointer? {
        X509_STORE_CTX_get_ex_data(storeContext, SSL_get_ex_data_X509_STORE_CTX_idx()).map(OpaquePointer.init)
    }

    static func check(of ssl: OpaquePointer) -> RevocationCheck? {
        SSL_get_ex_data(ssl, connectionIndex).map { Unmanaged<RevocationCheck>.fromOpaque($0).takeUnretainedValue() }
    }

    /// The verified chain of a completed handshake, client certificate first.
    static func verifiedChain(_ ssl: OpaquePointer) -> [Certificate] {
        guard let stack = SSL_get0_verified_chain(ssl) else { return [] }
        return (0..<OPENSSL_sk_num(stack)).compactMap { index in
            OPENSSL_sk_value(stack, index).map { Certificate(retaining: OpaquePointer($0)) }
        }
    }
}

/// The CRLs for the issuer `name`, newest first; OpenSSL frees the stack and its references.
private let lookupCRLs: @convention(c) (OpaquePointer?, OpaquePointer?) -> OpaquePointer? = { storeContext, name in
    guard let storeContext, let name, let ssl = CRLChecking.ssl(of: storeContext), let box = CRLChecking.box(of: ssl) else { return nil }
    var der: UnsafeMutablePointer<UInt8>?
    let count = i2d_X509_NAME(name, &der)
    guard count > 0, let der else { return nil }
    let key = Array(UnsafeBufferPointer(start: der, count: Int(count)))
    CRYPTO_free(der, #fileID, #line)
    let crls = box.cache.crls(issuerNameDER: key)
    guard !crls.isEmpty, let stack = OPENSSL_sk_new_null() else { return nil }
    for crl in crls {
        crl.withUnsafeX509CRL { pointer in
            X509_CRL_up_ref(pointer)
            _ = OPENSSL_sk_push(stack, UnsafeRawPointer(pointer))
        }
    }
    return stack
}

/// Per certificate of the chain: decides what OpenSSL's CRL errors mean for the handshake.
private let verifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverified, storeContext in
    guard preverified == 0, let storeContext else { return preverified }
    guard let ssl = CRLChecking.ssl(of: storeContext), let box = CRLChecking.box(of: ssl), let check = CRLChecking.check(of: ssl) else {
        return 0
    }
    let depth = Int(X509_STORE_CTX_get_error_depth(storeContext))
    switch X509_STORE_CTX_get_error(storeContext) {
    case X509_V_ERR_CERT_REVOKED:
        check.refusal = .revoked
        return 0
    case X509_V_ERR_UNABLE_TO_GET_CRL:
        guard let current = X509_STORE_CTX_get_current_cert(storeContext) else { return 0 }
        let certificate = Certificate(retaining: current)
        let points = certificate.crlDistributionPoints.compactMap(HTTPURL.init)
        let pending = points.filter { box.cache.state(of: $0) == .pending }
        if !pending.isEmpty {
            check.pendingPoints += pending
            return 1  // judged once fetched
        }
        // An intermediate is checked when a CRL of its issuer is at hand; only the client
        // certificate must have one.
        if depth > 0 { return 1 }
        return CRLChecking.decide(RevocationCheck.reason(for: certificate, cache: box.cache), check, box, storeContext)
    case X509_V_ERR_CRL_HAS_EXPIRED:
        let certificate = X509_STORE_CTX_get_current_cert(storeContext).map { Certificate(retaining: $0) }
        let issuer = certificate.map { "\($0.issuer)" } ?? "the issuer"
        return CRLChecking.decide("the CRL of \(issuer) is past its nextUpdate and no fresh one could be fetched", check, box, storeContext)
    default:
        return 0
    }
}

extension CRLChecking {
    /// A missing CRL under the listener's policy: 1 goes on; 0 refuses with the alert
    /// bad_certificate (as EMQX sends), not the unknown_ca OpenSSL would pick.
    fileprivate static func decide(_ reason: String, _ check: RevocationCheck, _ box: Box, _ storeContext: OpaquePointer) -> Int32 {
        if check.unavailable(reason, policy: box.policy) { return 1 }
        X509_STORE_CTX_set_error(storeContext, X509_V_ERR_CERT_REJECTED)
        return 0
    }
}
