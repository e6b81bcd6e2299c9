import BrokerTLS
import CertTools
import ConfigModel
import ConfigPreflight
import NIOCore
import Revocation

/// One ssl listener's OCSP stapler (with the staple it writes) and CRL cache, and what each
/// was made from, so a reload can tell whether to keep them.
struct ListenerRevocation {
    var listenerID = ""
    var stapler: NIOLoopBound<OCSPStapler>?
    var staple: OCSPStaple?
    var crls: CRLCache?
    /// What the stapler works for: its settings, the stapled certificate and its issuer; empty
    /// when stapling is off.
    var staplingKey: [UInt8] = []
    /// What the CRL cache checks with: its settings and the CAs it accepts CRLs from; empty
    /// when CRL checks are off.
    var crlKey: [UInt8] = []

    static func staplingKey(_ options: SSLOptions, _ material: ListenerMaterial) -> [UInt8] {
        guard let ocsp = options.ocsp, ocsp.enableOCSPStapling, let issuer = material.ocspIssuer, let leaf = material.chain.first else {
            return []
        }
        let settings = "\(ocsp.responderURL?.value ?? "")|\(ocsp.refreshInterval.milliseconds)|\(ocsp.refreshHTTPTimeout.milliseconds)|"
        return Array(settings.utf8) + leaf.derEncoded + issuer.derEncoded
    }

    static func crlKey(_ options: SSLOptions, _ material: ListenerMaterial) -> [UInt8] {
        guard options.enableCRLCheck, options.verify == .verifyPeer else { return [] }
        let settings = "\(options.crlfile?.value ?? "")|"
        return Array(settings.utf8) + material.authorities.flatMap(\.derEncoded)
    }

    /// The parts of `old` this one no longer uses (to stop them).
    func replacing(_ old: ListenerRevocation?) -> (stapler: NIOLoopBound<OCSPStapler>?, crls: CRLCache?) {
        guard let old else { return (nil, nil) }
        return (old.staple !== staple ? old.stapler : nil, old.crls !== crls ? old.crls : nil)
    }
}
