internal import COpenSSL
internal import COpenSSLShims
import CertTools
package import ConfigModel
package import ConfigPreflight

/// An `SSL_CTX` built from a listener's `ssl_options`: exactly the configured versions and
/// ciphers, the certificate chain and key, and client verification. Immutable once built, so
/// every connection of the listener shares it.
package final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    /// The PSK resolver the callbacks reach through ex_data; held here so it lives as long.
    var pskBox: AnyObject?
    /// The OCSP staple the status callback reads, when stapling is on.
    private(set) var ocspStaple: OCSPStaple?
    /// The CRL cache and policy the CRL callbacks reach through ex_data, when CRL checking is on.
    private(set) var crlChecking: CRLChecking.Box?

    init(context: OpaquePointer) { self.context = context }

    deinit { SSL_CTX_free(context) }

    /// Builds a listener's context from its `ssl_options` and the files preflight read and
    /// checked (`material`): no file is read here. Failures are unexpected after preflight,
    /// and carry OpenSSL's reasons.
    package static func server(
        _ options: SSLOptions, material: ListenerMaterial, psk: (any PSKResolver)? = nil, staple: OCSPStaple? = nil,
        crls: (any CRLSource)? = nil
    ) throws -> TLSContext {
        ERR_clear_error()
        guard let handle = SSL_CTX_new(TLS_server_method()) else { throw TLSError.fromQueue("cannot create an SSL_CTX") }
        let tls = TLSContext(context: handle)
        try tls.setVersions(options.versions.value)
        try tls.setCiphers(options.ciphers.value, versions: options.versions.value, psk: psk != nil)
        try tls.setCredentials(material, options)
        tls.setPeerVerification(options, crls: crls)

        var flags: UInt64 = 0
        if options.honorCipherOrder { flags |= COpenSSLShims_SSL_OP_CIPHER_SERVER_PREFERENCE }
        if !options.clientRenegotiation || !options.secureRenegotiate { flags |= COpenSSLShims_SSL_OP_NO_RENEGOTIATION }
        if let psk {
            let box = PSKCallbacks.Box(psk)
            tls.pskBox = box
            PSKCallbacks.install(box, on: handle)
            flags |= COpenSSLShims_SSL_OP_CIPHER_SERVER_PREFERENCE
        }
        flags |= tls.configureResumption(options, psk: psk != nil)
        _ = SSL_CTX_set_options(handle, flags)
        try tls.setDHParameters(material.dhParameters)
        // Each connection releases its record buffers once its handshake is done
        // (TLSConnection.releaseHandshakeBuffers). SSL_CTX_set_mode is a macro.
        _ = SSL_CTX_ctrl(handle, SSL_CTRL_MODE, Int(SSL_MODE_NO_AUTO_CHAIN), nil)
        if let staple {
            tls.ocspStaple = staple
            OCSPStapling.install(staple, on: handle)
        }
        return tls
    }

    /// The served chain and key, and cacertfile's CAs as trust anchors for client
    /// certificates and as the CA names a CertificateRequest lists.
    private func setCredentials(_ material: ListenerMaterial, _ options: SSLOptions) throws {
        // The served chain: leaf first, then the intermediates, as certfile lists them.
        try material.chain[0].withUnsafeX509 { x509 in
            guard SSL_CTX_use_certificate(context, x509) == 1 else { throw TLSError.fromQueue("cannot use \(options.certfile.value)") }
        }
        for intermediate in material.chain.dropFirst() {
            try intermediate.withUnsafeX509 { x509 in
                X509_up_ref(x509)  // add_extra_chain_cert takes ownership
                guard COpenSSLShims_SSL_CTX_add_extra_chain_cert(context, x509) == 1 else {
                    X509_free(x509)
                    throw TLSError.fromQueue("cannot add an intermediate from \(options.certfile.value)")
                }
            }
        }
        try material.privateKey.withUnsafeEVPKey { evpKey in
            guard SSL_CTX_use_PrivateKey(context, evpKey) == 1, SSL_CTX_check_private_key(context) == 1 else {
                throw TLSError.fromQueue("the key in \(options.keyfile.value) does not match \(options.certfile.value)")
            }
        }
        let store = SSL_CTX_get_cert_store(context)
        for authority in material.authorities {
            try authority.withUnsafeX509 { x509 in
                // Both take their own reference (the client CA list a copy of the name).
                guard X509_STORE_add_cert(store, x509) == 1, SSL_CTX_add_client_CA(context, x509) == 1 else {
                    throw TLSError.fromQueue("cannot trust \(authority.subject) from \(options.cacertfile.value)")
                }
            }
        }
        // A certfile holding the leaf alone gets its intermediates from cacertfile, found once
        // here (the root left out) instead of by OpenSSL's auto-chaining, which runs a chain
        // verification on every handshake. A certfile with intermediates is served as written.
        // SSL_CTX_build_cert_chain is a macro over SSL_CTX_ctrl.
        if material.chain.count == 1 {
            let buildFlags = SSL_BUILD_CHAIN_FLAG_NO_ROOT | SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR | SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR
            _ = SSL_CTX_ctrl(context, SSL_CTRL_BUILD_CERT_CHAIN, Int(buildFlags), nil)
        }
    }

    /// `verify`, `fail_if_no_peer_cert`, `depth`, and CRL checks through `crls`.
    private func setPeerVerification(_ options: SSLOptions, crls: (any CRLSource)?) {
        guard options.verify == .verifyPeer else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
            return
        }
        let mode = SSL_VERIFY_PEER | (options.failIfNoPeerCert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0)
        SSL_CTX_set_verify(context, mode, nil)
        SSL_CTX_set_verify_depth(context, Int32(clamping: options.depth))
        if options.enableCRLCheck, let crls {
            let box = CRLChecking.Box(cache: crls, policy: options.crlUnavailable)
            crlChecking = box
            CRLChecking.install(box, on: context, verifyMode: mode)
        }
    }

    /// Resumption: by session ID from the cache when `reuse_sessions` (TLS 1.2, as in EMQX),
    /// and by stateless ticket when `session_tickets` (on by default unless reuse_sessions is
    /// off or CRLs are checked; EMQX has it off). One ticket per handshake, not OpenSSL's two: each costs the
    /// server a session copy and an encryption (about 15 µs), and a device that reconnects
    /// needs one. A PSK listener resumes nothing: every PSK identity a client offers is then
    /// an external one, so an unknown identity is refused instead of falling back to
    /// certificates. Returns the options flags it needs.
    func configureResumption(_ options: SSLOptions, psk: Bool) -> UInt64 {
        let tickets = !psk && options.sessionTickets != .disabled
        if !psk {
            // Resuming under verify_peer needs a session ID context.
            let id = Array("emqxctl".utf8)
            _ = SSL_CTX_set_session_id_context(context, id, UInt32(id.count))
        }
        let cache = !psk && options.reuseSessions ? COpenSSLShims_SSL_SESS_CACHE_SERVER : COpenSSLShims_SSL_SESS_CACHE_OFF
        _ = COpenSSLShims_SSL_CTX_set_session_cache_mode(context, cache)
        _ = SSL_CTX_set_num_tickets(context, tickets ? 1 : 0)
        // SSL_OP_NO_TICKET would also make TLS 1.3 tickets stateful: OpenSSL has one switch
        // for stateless tickets on both versions, so TLS 1.2 gets them when 1.3 does.
        return tickets ? 0 : COpenSSLShims_SSL_OP_NO_TICKET
    }

    /// The group for DHE suites: `dhfile`'s parameters, else OpenSSL's automatic choice (a
    /// group as strong as the certificate's key).
    func setDHParameters(_ parameters: DHParameters?) throws {
        guard let parameters else {
            _ = COpenSSLShims_SSL_CTX_set_dh_auto(context, 1)
            return
        }
        try parameters.withUnsafeEVPKey { key in
            EVP_PKEY_up_ref(key)  // set0 takes the reference
            ERR_clear_error()
            guard SSL_CTX_set0_tmp_dh_pkey(context, key) == 1 else {
                EVP_PKEY_free(key)
                throw TLSError.fromQueue("cannot use the DH parameters of dhfile")
            }
        }
    }

    /// Exactly the configured versions. TLS 1.0 and 1.1 need security level 0 under OpenSSL 3,
    /// so it is lowered only when one of them is listed.
    func setVersions(_ versions: [TLSVersion]) throws {
        let numbers = versions.map(Self.protocolNumber)
        guard let lowest = numbers.min(), let highest = numbers.max() else { return }
        guard COpenSSLShims_SSL_CTX_set_min_proto_version(context, lowest) == 1,
            COpenSSLShims_SSL_CTX_set_max_proto_version(context, highest) == 1
        else { throw TLSError.fromQueue("cannot set TLS versions \(versions.map(\.rawValue))") }
        if versions.contains(where: \.isLegacy) { SSL_CTX_set_security_level(context, 0) }
    }

    /// TLS 1.3 suites go to `SSL_CTX_set_ciphersuites`, the rest to `SSL_CTX_set_cipher_list`,
    /// as OpenSSL requires. Names OpenSSL lacks were reported by preflight and are left out.
    func setCiphers(_ names: [String], versions: [TLSVersion], psk: Bool) throws {
        // External PSKs in TLS 1.3 are bound to SHA-256: with PSK on, a SHA-256 suite leads.
        let psk13 = "TLS_AES_128_GCM_SHA256"
        guard !names.isEmpty else {
            if psk {
                _ = SSL_CTX_set_ciphersuites(context, "\(psk13):TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256")
                _ = SSL_CTX_set_cipher_list(context, "DEFAULT:PSK" + (versions.contains(where: \.isLegacy) ? ":@SECLEVEL=0" : ""))
            }
            return
        }
        let catalog = CipherSuiteCatalog.linked
        let known = names.compactMap { catalog.suite(named: $0) }
        var tls13 = known.filter(\.isTLS13).map(\.name)
        if psk, let index = tls13.firstIndex(of: psk13) { tls13.insert(tls13.remove(at: index), at: 0) }
        let older = known.filter { !$0.isTLS13 }.map(\.name)
        if !tls13.isEmpty {
            guard SSL_CTX_set_ciphersuites(context, tls13.joined(separator: ":")) == 1 else {
                throw TLSError.fromQueue("cannot set TLS 1.3 suites")
            }
        }
        if !older.isEmpty {
            let security = versions.contains(where: \.isLegacy) ? ":@SECLEVEL=0" : ""
            guard SSL_CTX_set_cipher_list(context, older.joined(separator: ":") + security) == 1 else {
                throw TLSError.fromQueue("cannot set the cipher list")
            }
        } else if !tls13.isEmpty {
            // Only TLS 1.3 suites listed: no ≤1.2 suite may be negotiated either.
            _ = SSL_CTX_set_cipher_list(context, "aNULL:!aNULL")
        }
    }

    static func protocolNumber(_ version: TLSVersion) -> Int32 {
        switch version {
        case .tlsv1: TLS1_VERSION
        case .tlsv1_1: TLS1_1_VERSION
        case .tlsv1_2: TLS1_2_VERSION
        case .tlsv1_3: TLS1_3_VERSION
        }
    }
}
