internal import COpenSSL
internal import COpenSSLShims
import CertTools
package import NIOCore

/// One TLS session over a pair of memory BIOs: the one Swift owner of an `SSL*`. Ciphertext
/// from the socket goes in through `receive`; plaintext comes out of `readPlaintext`;
/// whatever OpenSSL wants to send collects in the write BIO until `drainCiphertext`.
///
/// Memory BIOs cost one copy each way (swift-nio-ssl's custom BIO avoids it); the choice is
/// kept inside this type so it can change without touching the handler.
package final class TLSConnection {
    private let ssl: OpaquePointer
    private var readBIO: OpaquePointer
    private var writeBIO: OpaquePointer
    /// Keeps the shared context alive as long as this session.
    private let context: TLSContext

    package enum Result {
        case complete
        case incomplete
        /// The peer closed the TLS session (close_notify).
        case closed
        case failed(TLSError)
    }

    /// What CRL checking met in this handshake, when the listener checks CRLs.
    private(set) var revocationCheck: RevocationCheck?

    /// The server side of a session.
    package convenience init(server context: TLSContext) throws {
        try self.init(context: context)
        SSL_set_accept_state(ssl)
        if context.crlChecking != nil {
            let check = RevocationCheck()
            revocationCheck = check
            CRLChecking.attach(check, to: ssl)
        }
    }

    /// The listener's CRL cache and policy, when it checks CRLs.
    var crlChecking: CRLChecking.Box? { context.crlChecking }

    /// The client's chain as verified, client certificate first (after the handshake).
    var verifiedChain: [Certificate] { CRLChecking.verifiedChain(ssl) }

    /// Who the peer proved to be in the handshake: its certificate (only when the context
    /// asked for one and it verified) and the PSK identity it used.
    var peerIdentity: TLSPeerIdentity {
        let certificate = SSL_get0_peer_certificate(ssl).flatMap { x509 -> [UInt8]? in
            let length = i2d_X509(x509, nil)
            guard length > 0 else { return nil }
            var der = [UInt8](repeating: 0, count: Int(length))
            der.withUnsafeMutableBufferPointer { buffer in
                var pointer = buffer.baseAddress
                _ = i2d_X509(x509, &pointer)
            }
            return der
        }
        let psk = SSL_get_psk_identity(ssl).map { Array(String(cString: $0).utf8) }
        return TLSPeerIdentity(certificateDER: certificate, pskIdentity: psk)
    }

    /// The client side; `serverName` goes out as SNI; `verifyHost`, when the context verifies
    /// the server, must match its certificate.
    package convenience init(client context: TLSContext, serverName: String?, verifyHost: String? = nil) throws {
        try self.init(context: context)
        if let serverName {
            // SSL_set_tlsext_host_name (a macro): OpenSSL copies the name.
            _ = serverName.withCString { name in
                SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: name))
            }
        }
        if let host = verifyHost ?? serverName {
            // An IP address is checked against the certificate's IP entries, a name against its DNS names.
            if X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1 { _ = SSL_set1_host(ssl, host) }
        }
        SSL_set_connect_state(ssl)
    }

    private init(context: TLSContext) throws {
        ERR_clear_error()
        guard let ssl = SSL_new(context.context), let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            throw TLSError.fromQueue("cannot create a TLS session")
        }
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        self.context = context
        // SSL_set_bio hands both BIOs to the SSL, which frees them in SSL_free.
        SSL_set_bio(ssl, readBIO, writeBIO)
    }

    deinit { SSL_free(ssl) }

    package func receive(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            _ = BIO_write(readBIO, base, Int32(bytes.count))
        }
    }

    package func handshake() -> Result {
        ERR_clear_error()
        return classify(SSL_do_handshake(ssl), "the TLS handshake failed")
    }

    /// Decrypts everything available into `buffer`. A buffer with room for the ciphertext
    /// just received never grows: records carry more than their plaintext.
    func readPlaintext(into buffer: inout ByteBuffer) -> Result {
        while true {
            ERR_clear_error()
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1) { bytes in
                max(0, Int(SSL_read(ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))))
            }
            if count > 0 { continue }
            let status = classify(0, "reading TLS data failed", lastReturn: SSL_get_error(ssl, 0))
            if case .incomplete = status { return .complete }
            return status
        }
    }

    /// Encrypts `plaintext` into the write BIO.
    func writePlaintext(_ plaintext: ByteBuffer) -> Result {
        var failure: Result = .complete
        plaintext.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            ERR_clear_error()
            let written = SSL_write(ssl, base, Int32(bytes.count))
            if written <= 0 { failure = classify(written, "writing TLS data failed") }
        }
        return failure
    }

    /// Ciphertext OpenSSL produced, to write to the socket; nil when there is none.
    package func drainCiphertext(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = Int(BIO_ctrl_pending(writeBIO))
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            max(0, Int(BIO_read(writeBIO, bytes.baseAddress, Int32(pending))))
        }
        return buffer
    }

    /// From now on the session gives back its 16 kB record buffers whenever they are empty, as
    /// mosquitto's do: an idle connection holds none. Not during the handshake, whose flights
    /// would free and allocate them again each time (a twentieth of OpenSSL's handshake CPU).
    /// Also gives back the memory BIOs' buffers, which keep the capacity of the largest
    /// handshake flight for the life of the connection: fresh empty BIOs replace them
    /// (SSL_set_bio frees the old pair), once both are drained.
    package func releaseHandshakeBuffers() {
        // SSL_set_mode is a macro over SSL_ctrl.
        _ = SSL_ctrl(ssl, SSL_CTRL_MODE, Int(SSL_MODE_RELEASE_BUFFERS), nil)
        guard BIO_ctrl_pending(readBIO) == 0, BIO_ctrl_pending(writeBIO) == 0, let freshRead = BIO_new(BIO_s_mem()) else { return }
        guard let freshWrite = BIO_new(BIO_s_mem()) else {
            BIO_free(freshRead)
            return
        }
        SSL_set_bio(ssl, freshRead, freshWrite)
        readBIO = freshRead
        writeBIO = freshWrite
    }

    /// Queues close_notify.
    func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// `TLSv1.3 TLS_AES_256_GCM_SHA384`, for logs.
    package var negotiated: String {
        let version = String(cString: SSL_get_version(ssl))
        let cipher = SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? "?"
        return "\(version) \(cipher)"
    }

    /// The suites the client offered in its ClientHello (OpenSSL names), once one arrived.
    func offeredCiphers() -> [String] {
        guard let stack = SSL_get_client_ciphers(ssl) else { return [] }
        return (0..<COpenSSLShims_sk_SSL_CIPHER_num(stack)).compactMap { index in
            COpenSSLShims_sk_SSL_CIPHER_value(stack, index).map { String(cString: SSL_CIPHER_get_name($0)) }
        }
    }

    private func classify(_ returned: Int32, _ what: String, lastReturn: Int32? = nil) -> Result {
        let error = lastReturn ?? SSL_get_error(ssl, returned)
        switch error {
        case SSL_ERROR_NONE: return .complete
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .incomplete
        case SSL_ERROR_ZERO_RETURN: return .closed
        default: return .failed(TLSError.fromQueue(what))
        }
    }
}
