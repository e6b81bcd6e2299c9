import BrokerCore
import CertTools
import ConfigModel
import ConfigPreflight
import Foundation

/// What a listener trusts in its clients: `verify`, `fail_if_no_peer_cert`, cacertfile's
/// CAs and, with CRL checks, crlfile's CRLs. A reload that changes it reviews the clients
/// already connected (`TrustReview`), which no new handshake would.
struct TrustSettings: Equatable {
    var verify: VerifyMode
    var failIfNoPeerCert: Bool
    var authorities: [[UInt8]]
    var crls: [[UInt8]]

    /// The settings of `listener` with the files `material` holds; crlfile is read now.
    init(_ listener: ListenerConfig, material: ListenerMaterial?, paths: PathResolver) {
        let ssl = listener.sslOptions
        verify = ssl?.verify ?? .verifyNone
        failIfNoPeerCert = ssl?.failIfNoPeerCert ?? false
        authorities = material?.authorities.map(\.derEncoded) ?? []
        crls = []
        if let ssl, ssl.enableCRLCheck, verify == .verifyPeer, let crlfile = ssl.crlfile {
            crls = ((try? CryptoFile.read(path: paths.absolute(crlfile.value)).crls) ?? []).map(\.derEncoded)
        }
    }
}

/// A connected client a listener's new trust settings would refuse, and why.
package struct TrustRefusal: Sendable, Equatable {
    package let listenerID: String
    package let clientID: String
    /// The client certificate's subject, or "" without one.
    package let subject: String
    package let why: String
    let connection: ConnectionID
}

/// Judges connected clients by a listener's new trust settings, as a handshake under them
/// would: a client certificate must chain to one of the new CAs and not be revoked by the
/// new crlfile; with fail_if_no_peer_cert, a client without one (PSK clients aside) is
/// refused. Runs off the event loop: verification costs tens of microseconds a client.
enum TrustReview {
    static func refusals(
        _ clients: [ConnectedClient], listener: ListenerConfig, trust: TrustSettings, now: Date
    ) -> [TrustRefusal] {
        guard trust.verify == .verifyPeer else { return [] }
        let authorities = trust.authorities.compactMap { try? Certificate(der: $0) }
        let crls = trust.crls.compactMap { try? CertificateRevocationList(der: $0) }
        let verifier = ChainVerifier(trustAnchors: authorities, crls: crls, strict: false)
        var refused: [TrustRefusal] = []
        for client in clients where client.listenerID == listener.id {
            guard let der = client.certificateDER else {
                if trust.failIfNoPeerCert, !client.usedPSK {
                    refused.append(
                        TrustRefusal(
                            listenerID: listener.id, clientID: client.clientID, subject: "",
                            why: "it sent no client certificate, and fail_if_no_peer_cert now requires one",
                            connection: client.connection))
                }
                continue
            }
            guard let leaf = try? Certificate(der: der) else { continue }
            // cacertfile's CAs are in the verifier's store: the leaf alone is the chain to build.
            if case .failure(let failure) = verifier.verify([leaf], purpose: .client, at: now) {
                refused.append(
                    TrustRefusal(
                        listenerID: listener.id, clientID: client.clientID, subject: "\(leaf.subject)", why: failure.message,
                        connection: client.connection))
            }
        }
        return refused
    }
}
