internal import COpenSSL
package import CertTools
package import Foundation
import Synchronization

/// A listener's current OCSP response, stapled to every handshake whose ClientHello asks for
/// one (status_request). The `OCSPStapler` writes it on the broker's loop; OpenSSL's status
/// callback reads it on whichever loop runs the handshake, so it lives behind a lock (taken
/// once a handshake, uncontended but for the rare refresh). nil means no valid response:
/// handshakes go on without a staple (fail open).
package final class OCSPStaple: Sendable {
    package struct State: Sendable {
        package var der: [UInt8]?
        /// What the stapled response says, and when it was fetched (nil with no staple): for
        /// status and metrics.
        package var status: OCSPCertificateStatus?
        package var fetchedAt: Date?
        /// Why the last fetch failed, until one succeeds.
        package var lastError: String?

        package init(der: [UInt8]? = nil, status: OCSPCertificateStatus? = nil, fetchedAt: Date? = nil, lastError: String? = nil) {
            (self.der, self.status, self.fetchedAt, self.lastError) = (der, status, fetchedAt, lastError)
        }
    }

    private let state = Mutex(State())
    package init() {}

    /// The staple as it is now, all of it from one moment.
    package var current: State { state.withLock { $0 } }
    package var der: [UInt8]? { state.withLock { $0.der } }
    package var lastError: String? { state.withLock { $0.lastError } }

    /// Changes it in one step.
    package func update(_ change: (inout State) -> Void) { state.withLock { change(&$0) } }
}

/// OpenSSL's status callback, which finds the listener's `OCSPStaple` through the
/// callback argument. The `TLSContext` keeps the staple alive.
enum OCSPStapling {
    static func install(_ staple: OCSPStaple, on context: OpaquePointer) {
        // SSL_CTX_set_tlsext_status_cb and SSL_CTX_set_tlsext_status_arg are macros.
        _ = SSL_CTX_callback_ctrl(
            context, SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB, unsafeBitCast(statusCallback, to: (@convention(c) () -> Void).self))
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG, 0, Unmanaged.passUnretained(staple).toOpaque())
    }
}

/// Hands OpenSSL a copy of the staple, which it frees; NOACK sends none.
private let statusCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { ssl, argument in
    guard let ssl, let argument else { return SSL_TLSEXT_ERR_NOACK }
    let staple = Unmanaged<OCSPStaple>.fromOpaque(argument).takeUnretainedValue()
    guard let der = staple.der, !der.isEmpty, let copy = CRYPTO_malloc(der.count, #fileID, #line) else { return SSL_TLSEXT_ERR_NOACK }
    der.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: der.count) }
    // SSL_set_tlsext_status_ocsp_resp (a macro): the SSL owns the copy from here on.
    _ = SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP, der.count, copy)
    return SSL_TLSEXT_ERR_OK
}
