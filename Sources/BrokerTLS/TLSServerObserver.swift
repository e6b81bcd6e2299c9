package import NIOCore

/// What the server side of a `TLSHandler` reports to its listener, which logs (rate-limited)
/// and counts: the handler itself holds no server state.
package protocol TLSServerObserver: AnyObject {
    /// A handshake finished (before any revocation verdict).
    func handshakeCompleted()
    /// A client was refused, during the handshake or by the revocation check after it: why,
    /// by cause and in words a user can act on.
    func refused(_ refusal: HandshakeRefusal, peer: SocketAddress?)
    /// A client was let in without a CRL check, under `crl_unavailable = fail_open`.
    func acceptedWithoutCRL(_ reason: String, peer: SocketAddress?)
    /// The session failed after its handshake.
    func failed(_ error: TLSError, peer: SocketAddress?)
}
