import CertTools
import ConfigModel

/// What CRL checking met during one handshake, for the TLSHandler to act on once it
/// completes: distribution points still to fetch (the verdict waits for them), a refusal,
/// or CRLs that could not be had but were let through by `crl_unavailable = fail_open`.
final class RevocationCheck {
    enum Refusal: CustomStringConvertible {
        case revoked
        case unavailable(String)

        var description: String {
            switch self {
            case .revoked: "the client certificate is revoked (its CA's CRL lists it)"
            case .unavailable(let reason): "no usable CRL: \(reason) (crl_unavailable = fail_closed)"
            }
        }

        var handshakeRefusal: HandshakeRefusal {
            switch self {
            case .revoked: HandshakeRefusal(.revoked, description)
            case .unavailable: HandshakeRefusal(.crlUnavailable, description)
            }
        }
    }

    var pendingPoints: [HTTPURL] = []
    var refusal: Refusal?
    var acceptedWithout: [String] = []

    init() {}

    /// Applies the policy to a missing CRL; true when the handshake may go on.
    func unavailable(_ reason: String, policy: CRLUnavailablePolicy) -> Bool {
        switch policy {
        case .failClosed:
            refusal = .unavailable(reason)
            return false
        case .failOpen:
            acceptedWithout.append(reason)
            return true
        }
    }

    /// Why no CRL is in hand for `certificate`, from the state of its distribution points.
    static func reason(for certificate: Certificate, cache: any CRLSource) -> String {
        let points = certificate.crlDistributionPoints.compactMap(HTTPURL.init)
        guard !points.isEmpty else {
            return "\(certificate.subject) names no http CRL distribution point, and crlfile holds no CRL of \(certificate.issuer)"
        }
        let states = points.map { point -> String in
            switch cache.state(of: point) {
            case .unavailable(let error): "\(point): \(error)"
            case .available: "\(point) holds no current CRL of \(certificate.issuer)"
            case .pending: "\(point) is still being fetched"
            }
        }
        return states.joined(separator: "; ")
    }
}
