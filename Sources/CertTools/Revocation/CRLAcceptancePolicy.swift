public import Foundation

/// When a CRL may be used by a listener that trusts `authorities` (its cacertfile): the one
/// rule the CRL cache, `config check` and `config check --probe` share, so the check cannot
/// disagree with `serve`.
///
/// - A CRL whose issuer is one of the authorities must carry that CA's signature.
/// - A CRL of another issuer (an intermediate CA the clients send) is kept: its signature is
///   checked at use, against the CA certificate in the client's chain (OpenSSL does so in the
///   handshake, `RevocationVerdict` after it), so it counts only for clients of that CA.
/// - Its thisUpdate must have come (with `clockSkew` of slack).
/// - Past its nextUpdate it is expired: kept (a stale CRL still lists what it revoked), but a
///   client certificate that needs it meets the listener's `crl_unavailable` policy.
public struct CRLAcceptancePolicy: Sendable {
    public enum Verdict: Equatable, Sendable {
        case usable
        /// No CA in cacertfile has its issuer's name: checked at use against the clients' chains.
        case issuerNotTrusted
        /// Its issuer is a trusted CA, but the signature is not that CA's.
        case wrongSignature
        case notYetValid(Date)
        case expired(Date)

        /// Whether a CRL source keeps it (expired ones too: the listener's policy decides).
        public var isKept: Bool {
            switch self {
            case .usable, .issuerNotTrusted, .expired: true
            case .wrongSignature, .notYetValid: false
            }
        }
    }

    public let authorities: [Certificate]
    /// How far in the future a thisUpdate may lie, for clocks that disagree. Default 5 min.
    public var clockSkew: TimeInterval = 300

    public init(authorities: [Certificate]) { self.authorities = authorities }

    public func evaluate(_ crl: CertificateRevocationList, at now: Date) -> Verdict {
        let namesakes = authorities.filter { $0.subject == crl.issuer }
        if !namesakes.isEmpty && !namesakes.contains(where: { crl.isSigned(by: $0) }) { return .wrongSignature }
        if crl.thisUpdate > now.addingTimeInterval(clockSkew) { return .notYetValid(crl.thisUpdate) }
        if let nextUpdate = crl.nextUpdate, nextUpdate < now { return .expired(nextUpdate) }
        return namesakes.isEmpty ? .issuerNotTrusted : .usable
    }

    /// What is wrong with a CRL that is not usable as it stands, in words for a log or a
    /// diagnostic; nil for a usable one.
    public static func problem(_ verdict: Verdict, of crl: CertificateRevocationList) -> String? {
        switch verdict {
        case .usable: nil
        case .issuerNotTrusted:
            "the CRL of \(crl.issuer) is not from a CA in cacertfile; it counts only for clients whose chain carries that CA"
        case .wrongSignature: "the CRL of \(crl.issuer) is not signed by that CA's key in cacertfile"
        case .notYetValid(let date): "the CRL of \(crl.issuer) is not valid until \(UTCDate.time(date))"
        case .expired(let date): "the CRL of \(crl.issuer) expired at its nextUpdate, \(UTCDate.time(date))"
        }
    }
}
