internal import COpenSSL
internal import COpenSSLShims

/// The client side of TLS-PSK, for the load generator: one identity and key per context,
/// offered as a TLS ≤ 1.2 PSK and as a TLS 1.3 external PSK (TLS_AES_128_GCM_SHA256, as
/// mosquitto and `openssl s_client -psk` do).
enum PSKClientCallbacks {
    static let exDataIndex: Int32 = COpenSSLShims_SSL_CTX_get_ex_new_index()

    /// The identity and key; the identity lives in C memory because OpenSSL keeps the
    /// pointer the TLS 1.3 callback hands out until the handshake ends.
    final class Box {
        let identity: UnsafeMutableBufferPointer<UInt8>
        let key: [UInt8]

        init(identity: [UInt8], key: [UInt8]) {
            self.identity = .allocate(capacity: identity.count + 1)
            _ = self.identity.initialize(from: identity + [0])
            self.key = key
        }

        var identityLength: Int { identity.count - 1 }

        deinit { identity.deallocate() }
    }

    static func install(_ box: Box, on context: OpaquePointer) {
        SSL_CTX_set_ex_data(context, exDataIndex, Unmanaged.passUnretained(box).toOpaque())
        SSL_CTX_set_psk_client_callback(context, clientCallback)
        SSL_CTX_set_psk_use_session_callback(context, useSessionCallback)
    }

    static func box(for ssl: OpaquePointer?) -> Box? {
        guard let ssl, let context = SSL_get_SSL_CTX(ssl), let raw = SSL_CTX_get_ex_data(context, exDataIndex) else { return nil }
        return Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue()
    }
}

/// TLS ≤ 1.2: writes the identity (NUL-terminated) and the key; 0 gives up.
private let clientCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, UInt32, UnsafeMutablePointer<UInt8>?, UInt32) ->
        UInt32 = { ssl, _, identity, maximumIdentity, psk, maximumKey in
            guard let box = PSKClientCallbacks.box(for: ssl), let identity, let psk,
                box.identity.count <= Int(maximumIdentity), box.key.count <= Int(maximumKey)
            else { return 0 }
            UnsafeMutableRawPointer(identity).copyMemory(from: box.identity.baseAddress!, byteCount: box.identity.count)
            box.key.withUnsafeBufferPointer { psk.update(from: $0.baseAddress!, count: box.key.count) }
            return UInt32(box.key.count)
        }

/// TLS 1.3: an external PSK session for the identity. After a HelloRetryRequest OpenSSL
/// passes the negotiated digest; a PSK bound to another one is then left out (1, no session).
private let useSessionCallback:
    @convention(c) (
        OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<Int>?,
        UnsafeMutablePointer<OpaquePointer?>?
    ) -> Int32 = { ssl, digest, identityOut, lengthOut, sessionOut in
        guard let ssl, let identityOut, let lengthOut, let sessionOut, let box = PSKClientCallbacks.box(for: ssl) else { return 0 }
        sessionOut.pointee = nil
        guard let cipher = SSL_CIPHER_find(ssl, PSKCallbacks.suiteID) else { return 0 }
        if let digest, SSL_CIPHER_get_handshake_digest(cipher) != digest { return 1 }
        guard let session = PSKCallbacks.externalSession(ssl, key: box.key) else { return 0 }
        identityOut.pointee = UnsafePointer(box.identity.baseAddress)
        lengthOut.pointee = box.identityLength
        sessionOut.pointee = session
        return 1
    }
