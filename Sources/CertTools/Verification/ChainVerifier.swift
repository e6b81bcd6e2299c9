internal import COpenSSL
public import Foundation

/// Verifies a certificate chain the way a TLS peer would: path building to a trust anchor,
/// validity at a given time, purpose (EKU), host name, and, when CRLs are given, revocation of
/// the leaf (as `openssl verify -crl_check` does).
public struct ChainVerifier: Sendable {
    /// Which side of TLS the leaf must be fit for.
    public enum Purpose: String, Sendable, CaseIterable {
        case server
        case client
    }

    public var trustAnchors: [Certificate]
    public var crls: [CertificateRevocationList]
    /// OpenSSL's X509_V_FLAG_X509_STRICT: the RFC 5280 checks that Python 3.13 and other
    /// strict clients turn on (AKI present, critical basicConstraints on CAs, …). On by default
    /// so that a chain which passes here passes everywhere.
    public var strict: Bool

    public init(trustAnchors: [Certificate], crls: [CertificateRevocationList] = [], strict: Bool = true) {
        self.trustAnchors = trustAnchors
        self.crls = crls
        self.strict = strict
    }

    /// Verifies `chain` (leaf first, as a server sends it) at `time`.
    public func verify(
        _ chain: [Certificate],
        purpose: Purpose? = nil,
        hostname: String? = nil,
        at time: Date
    ) -> Result<VerifiedChain, VerificationFailure> {
        guard let leaf = chain.first else {
            return .failure(
                failure(.other, depth: 0, subject: "", "there is no certificate to verify", hint: "give a PEM file holding the certificate")
            )
        }
        if let order = CertificateChain.orderProblems(chain).first {
            return .failure(
                failure(
                    .wrongOrder, depth: order.position - 1, subject: chain[order.position - 1].subject.description,
                    "the chain is in the wrong order: \(order.description)",
                    hint: "put the leaf first, then each intermediate after the certificate it issued (cert inspect shows the order)"
                )
            )
        }
        return withStoreContext(leaf: leaf, untrusted: Array(chain.dropFirst())) { context in
            configure(context, purpose: purpose, hostname: hostname, time: time)
            OpenSSLErrorStack.clear()
            if X509_verify_cert(context) == 1 {
                return .success(VerifiedChain(certificates: verifiedChain(context)))
            }
            defer { OpenSSLErrorStack.clear() }
            return .failure(explain(context, givenChain: chain, hostname: hostname, purpose: purpose, time: time))
        }
    }

    private func withStoreContext(
        leaf: Certificate,
        untrusted: [Certificate],
        _ body: (OpaquePointer) -> Result<VerifiedChain, VerificationFailure>
    ) -> Result<VerifiedChain, VerificationFailure> {
        guard let store = X509_STORE_new(), let context = X509_STORE_CTX_new(), let stack = OPENSSL_sk_new_null() else {
            return .failure(failure(.other, depth: 0, subject: "", "out of memory", hint: ""))
        }
        defer {
            X509_STORE_CTX_free(context)
            X509_STORE_free(store)
            OPENSSL_sk_free(stack)  // the stack borrows the certificates; they stay owned by `untrusted`
        }
        for anchor in trustAnchors { _ = X509_STORE_add_cert(store, anchor.x509) }
        for crl in crls { _ = X509_STORE_add_crl(store, crl.crl) }
        for certificate in untrusted { _ = OPENSSL_sk_push(stack, UnsafeRawPointer(certificate.x509)) }
        guard X509_STORE_CTX_init(context, store, leaf.x509, stack) == 1 else {
            return .failure(failure(.other, depth: 0, subject: "", "cannot set up verification", hint: ""))
        }
        return withExtendedLifetime((trustAnchors, crls, untrusted)) { body(context) }
    }

    private func configure(_ context: OpaquePointer, purpose: Purpose?, hostname: String?, time: Date) {
        let parameters = X509_STORE_CTX_get0_param(context)
        X509_VERIFY_PARAM_set_time(parameters, time_t(time.timeIntervalSince1970))
        var flags = UInt(0)
        if strict { flags |= UInt(X509_V_FLAG_X509_STRICT) }
        if !crls.isEmpty { flags |= UInt(X509_V_FLAG_CRL_CHECK) }
        if flags != 0 { X509_VERIFY_PARAM_set_flags(parameters, flags) }
        switch purpose {
        case .server: X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SSL_SERVER)
        case .client: X509_STORE_CTX_set_purpose(context, X509_PURPOSE_SSL_CLIENT)
        case nil: break
        }
        if let hostname {
            if SubjectAlternativeName.normalizedIP(hostname) != nil {
                X509_VERIFY_PARAM_set1_ip_asc(parameters, hostname)
            } else {
                X509_VERIFY_PARAM_set1_host(parameters, hostname, 0)
            }
        }
    }

    private func verifiedChain(_ context: OpaquePointer) -> [Certificate] {
        guard let chain = X509_STORE_CTX_get0_chain(context) else { return [] }
        return (0..<OPENSSL_sk_num(chain)).compactMap { index in
            guard let raw = OPENSSL_sk_value(chain, index) else { return nil }
            let x509 = OpaquePointer(raw)
            X509_up_ref(x509)
            return Certificate(takingOwnership: x509)
        }
    }

    func failure(_ code: VerificationFailure.Code, depth: Int, subject: String, _ message: String, hint: String, openSSL: String? = nil)
        -> VerificationFailure
    {
        VerificationFailure(code: code, subject: subject, depth: depth, message: message, hint: hint, openSSLReason: openSSL)
    }
}
