import CertTools
import Foundation

/// Whether a verified client chain passes CRL checking, judged from CRLs in hand: the
/// deferred check that runs once the distribution points a handshake met have been fetched.
/// (Handshakes whose CRLs were already cached are judged by OpenSSL inside the handshake.)
package enum RevocationVerdict: Equatable {
    case good
    case revoked(String)
    /// No usable CRL for a certificate that needs one.
    case unavailable(String)

    /// `chain` runs from the client's certificate to the trust anchor, which is not checked.
    /// The client certificate needs a current CRL from its issuer, signed by it; an
    /// intermediate is checked against one when it is at hand (EMQX checks the client
    /// certificate only).
    static func judge(
        _ chain: [Certificate], crls: (_ issuerNameDER: [UInt8]) -> [CertificateRevocationList], now: Date,
        unavailableReason: (_ certificate: Certificate) -> String
    ) -> RevocationVerdict {
        for (depth, certificate) in chain.enumerated() where depth + 1 < chain.count {
            let issuer = chain[depth + 1]
            let signed = crls(certificate.issuerNameDER).filter { $0.isSigned(by: issuer) }
            let current = signed.filter { ($0.nextUpdate ?? .distantFuture) >= now && $0.thisUpdate <= now.addingTimeInterval(300) }
            if let crl = current.first {
                if let entry = crl.entry(revoking: certificate) {
                    let reason = entry.reason.map { " (\($0.rawValue))" } ?? ""
                    return .revoked(
                        "\(certificate.subject) (serial \(certificate.serialNumber)) was revoked on \(UTCDate.time(entry.revocationDate))\(reason) by \(crl.issuer)"
                    )
                }
                continue
            }
            guard depth == 0 else { continue }  // intermediates: checked only with a CRL at hand
            if let stale = signed.first, let nextUpdate = stale.nextUpdate {
                return .unavailable("the CRL of \(stale.issuer) expired at \(UTCDate.time(nextUpdate)) and no fresh one could be fetched")
            }
            return .unavailable(unavailableReason(certificate))
        }
        return .good
    }
}
