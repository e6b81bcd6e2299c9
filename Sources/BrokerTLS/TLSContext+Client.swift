internal import COpenSSL
internal import COpenSSLShims
import CertTools
import ConfigModel

extension TLSContext {
    /// A client context (the load generator's, an authentication backend's). Sessions are
    /// never resumed, so every connection is a full handshake (what `bench conn` measures).
    package static func client(_ options: TLSClientOptions) throws -> TLSContext {
        ERR_clear_error()
        guard let handle = SSL_CTX_new(TLS_client_method()) else { throw TLSError.fromQueue("cannot create an SSL_CTX") }
        let tls = TLSContext(context: handle)
        try tls.setVersions(options.versions)
        try tls.setCiphers(options.ciphers, versions: options.versions, psk: options.psk != nil)
        if let caFile = options.caFile {
            guard SSL_CTX_load_verify_locations(handle, caFile, nil) == 1 else { throw TLSError.fromQueue("cannot load \(caFile)") }
            SSL_CTX_set_verify(handle, SSL_VERIFY_PEER, nil)
            SSL_CTX_set_verify_depth(handle, Int32(clamping: options.verifyDepth))
        } else {
            SSL_CTX_set_verify(handle, SSL_VERIFY_NONE, nil)
        }
        if let certFile = options.certFile {
            guard SSL_CTX_use_certificate_chain_file(handle, certFile) == 1 else { throw TLSError.fromQueue("cannot use \(certFile)") }
            let key = try CryptoFile.privateKey(path: options.keyFile ?? certFile, passphrase: try options.keyPassword.map(Passphrase.init))
            try key.withUnsafeEVPKey { evpKey in
                guard SSL_CTX_use_PrivateKey(handle, evpKey) == 1, SSL_CTX_check_private_key(handle) == 1 else {
                    throw TLSError.fromQueue("the client key does not match \(certFile)")
                }
            }
        }
        if let psk = options.psk {
            let box = PSKClientCallbacks.Box(identity: psk.identity, key: psk.key)
            tls.pskBox = box
            PSKClientCallbacks.install(box, on: handle)
        }
        _ = COpenSSLShims_SSL_CTX_set_session_cache_mode(handle, COpenSSLShims_SSL_SESS_CACHE_OFF)
        _ = SSL_CTX_set_options(handle, COpenSSLShims_SSL_OP_NO_TICKET)
        return tls
    }
}
