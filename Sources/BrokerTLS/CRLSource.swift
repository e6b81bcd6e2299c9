package import CertTools
package import ConfigModel
package import NIOCore

/// Where a CRL-checking listener's CRLs come from (Revocation's `CRLCache`). OpenSSL's
/// callbacks ask it from inside handshakes, so it answers from memory; fetching is the
/// source's business, outside any handshake. Handshakes run on every event loop, so it
/// answers from any of them.
package protocol CRLSource: AnyObject, Sendable {
    /// The usable CRLs whose issuer has this DER-encoded name, newest first.
    func crls(issuerNameDER: [UInt8]) -> [CertificateRevocationList]
    /// What is known of a distribution point.
    func state(of point: HTTPURL) -> CRLPointState
    /// Completes once `point` has been fetched (or failed); starts the fetch when none runs.
    /// Callers hop back to their own loop.
    func fetch(_ point: HTTPURL) -> EventLoopFuture<Void>
}

/// What a CRL source knows of one distribution point.
package enum CRLPointState: Equatable, Sendable {
    /// Never fetched, or its first fetch is still running.
    case pending
    case available
    /// The last fetch failed, and no CRL was ever had from it.
    case unavailable(String)
}
