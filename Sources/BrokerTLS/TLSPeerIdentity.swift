package import NIOCore

/// Who the peer proved to be in a TLS handshake, sent up the pipeline as a user inbound event
/// when the handshake completes, before any application data. On a server: the client
/// certificate (present only when the listener asked for one and it verified) and the PSK
/// identity of a PSK handshake. What `peer_cert_as_*` and `${cert_common_name}` read.
package struct TLSPeerIdentity: Sendable, Equatable {
    package let certificateDER: [UInt8]?
    package let pskIdentity: [UInt8]?

    package init(certificateDER: [UInt8]?, pskIdentity: [UInt8]?) {
        self.certificateDER = certificateDER
        self.pskIdentity = pskIdentity
    }
}

/// The client's real address, learned after accept (a PROXY protocol header), sent up the
/// pipeline so that what logs a peer logs this one instead of the proxy's.
package struct RealPeerAddress: Sendable {
    package let address: SocketAddress

    package init(_ address: SocketAddress) { self.address = address }
}
