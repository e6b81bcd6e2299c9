internal import COpenSSL
internal import COpenSSLShims

/// OpenSSL's PSK callbacks, which find the listener's `PSKResolver` through SSL_CTX ex_data.
///
/// TLS ≤ 1.2 uses the psk_server callback. TLS 1.3 uses external PSKs through the
/// find_session callback, with TLS_AES_128_GCM_SHA256: clients bind an external PSK to
/// SHA-256, so the context puts a SHA-256 suite first and honours its own order; otherwise
/// OpenSSL picks a SHA-384 suite, ignores the PSK and falls back to certificates, and a wrong
/// key would "succeed" (the trap in the team's notes).
enum PSKCallbacks {
    /// The ex_data slot holding the resolver box; allocated once per process.
    static let exDataIndex: Int32 = COpenSSLShims_SSL_CTX_get_ex_new_index()

    /// Keeps the resolver alive as long as the context that points at it.
    final class Box {
        let resolver: any PSKResolver
        init(_ resolver: any PSKResolver) { self.resolver = resolver }
    }

    static func install(_ box: Box, on context: OpaquePointer) {
        SSL_CTX_set_ex_data(context, exDataIndex, Unmanaged.passUnretained(box).toOpaque())
        SSL_CTX_set_psk_server_callback(context, serverCallback)
        SSL_CTX_set_psk_find_session_callback(context, findSessionCallback)
    }

    /// The TLS 1.3 suite external PSKs are bound to.
    static let suiteID: [UInt8] = [0x13, 0x01]  // TLS_AES_128_GCM_SHA256

    /// A TLS 1.3 session carrying `key` as an external PSK, or nil; the caller owns it.
    static func externalSession(_ ssl: OpaquePointer, key: [UInt8]) -> OpaquePointer? {
        guard let cipher = SSL_CIPHER_find(ssl, suiteID), let session = SSL_SESSION_new() else { return nil }
        guard key.withUnsafeBufferPointer({ SSL_SESSION_set1_master_key(session, $0.baseAddress, key.count) }) == 1,
            SSL_SESSION_set_cipher(session, cipher) == 1,
            SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) == 1
        else {
            SSL_SESSION_free(session)
            return nil
        }
        return session
    }

    static func resolver(for ssl: OpaquePointer?) -> (any PSKResolver)? {
        guard let ssl, let context = SSL_get_SSL_CTX(ssl), let raw = SSL_CTX_get_ex_data(context, exDataIndex) else { return nil }
        return Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue().resolver
    }
}

/// TLS ≤ 1.2: copy the key for `identity` into `psk`; 0 refuses the identity.
private let serverCallback: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<UInt8>?, UInt32) -> UInt32 = {
    ssl, identity, psk, maximumLength in
    guard let identity, let psk, let resolver = PSKCallbacks.resolver(for: ssl) else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(identity).assumingMemoryBound(to: UInt8.self), count: strlen(identity)))
    guard let key = resolver.key(for: bytes), !key.isEmpty, key.count <= Int(maximumLength) else { return 0 }
    key.withUnsafeBufferPointer { psk.update(from: $0.baseAddress!, count: key.count) }
    return UInt32(key.count)
}

/// TLS 1.3: an external PSK session for `identity`. An unknown identity returns 0, which
/// ends the handshake: 1 with no session would let it go on with certificates, and a client
/// that offered only a PSK would see a confusing certificate error instead.
private let findSessionCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<OpaquePointer?>?) -> Int32 = {
        ssl, identity, length, sessionOut in
        guard let sessionOut else { return 0 }
        sessionOut.pointee = nil
        guard let ssl, let identity, let resolver = PSKCallbacks.resolver(for: ssl) else { return 0 }
        let bytes = Array(UnsafeBufferPointer(start: identity, count: length))
        guard let key = resolver.key(for: bytes), !key.isEmpty else { return 0 }
        guard let session = PSKCallbacks.externalSession(ssl, key: key) else { return 0 }
        sessionOut.pointee = session
        return 1
    }
