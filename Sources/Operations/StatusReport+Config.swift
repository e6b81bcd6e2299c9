import CertTools
import ConfigModel
import ConfigPreflight
import Foundation

/// What both sources share: the listeners' settings, their certificates and the policy, from
/// the config and the files preflight read.
extension StatusReport {
    mutating func describe(
        _ config: BrokerConfig, listeners served: [ListenerConfig], material: [String: ListenerMaterial], pskIdentities: Int?
    ) {
        for listener in served {
            listeners.append(ListenerStatus(id: listener.id, bind: "\(listener.bind.value)", tls: Self.tlsPolicy(listener, config)))
            if let files = material[listener.id], let ssl = listener.sslOptions {
                certificates += Self.certificates(of: listener.id, files, ssl, now: generatedAt)
            }
        }
        policy.authentication = config.authentication.filter(\.enable).map(\.id)
        policy.authorizationSources = config.authorization.sources.map { source in
            switch source {
            case .file(let path, _): "file:\(path.value)"
            case .builtInDatabase: "built_in_database"
            }
        }
        policy.noMatch = config.authorization.noMatch.rawValue
        policy.denyAction = config.authorization.denyAction.rawValue
        if config.pskAuthentication.enable { psk = PSKStatus(enabled: true, identities: pskIdentities) }
    }

    static func tlsPolicy(_ listener: ListenerConfig, _ config: BrokerConfig) -> TLSPolicy? {
        guard let ssl = listener.sslOptions else { return nil }
        let crlCheck = ssl.enableCRLCheck && ssl.verify == .verifyPeer
        return TLSPolicy(
            versions: ssl.versions.value.map(\.rawValue), verify: ssl.verify.rawValue, failIfNoPeerCert: ssl.failIfNoPeerCert,
            ocspStapling: ssl.ocsp?.enableOCSPStapling ?? false, crlCheck: crlCheck,
            crlUnavailable: crlCheck ? ssl.crlUnavailable.rawValue : nil, psk: config.pskAuthentication.enable)
    }

    /// Every certificate in certfile (leaf first) and in cacertfile.
    static func certificates(of listener: String, _ files: ListenerMaterial, _ ssl: SSLOptions, now: Date) -> [CertificateStatus] {
        let served = files.chain.enumerated().map { position, certificate in
            status(
                certificate, listener: listener, role: position == 0 ? .leaf : .intermediate, file: ssl.certfile.value,
                position: position, now: now)
        }
        let trusted = files.authorities.enumerated().map { position, certificate in
            status(certificate, listener: listener, role: .authority, file: ssl.cacertfile.value, position: position, now: now)
        }
        return served + trusted
    }

    static func status(
        _ certificate: Certificate, listener: String, role: CertificateStatus.Role, file: String, position: Int, now: Date
    ) -> CertificateStatus {
        let notAfter = certificate.notAfter
        return CertificateStatus(
            listener: listener, role: role, file: file, position: position, subject: "\(certificate.subject)",
            issuer: "\(certificate.issuer)", serial: certificate.serialNumber.hex, notBefore: certificate.notBefore,
            notAfter: notAfter, daysLeft: Int((notAfter.timeIntervalSince(now) / 86400).rounded(.down)))
    }

    static func crlStatus(
        _ crl: CertificateRevocationList, listener: String, source: String, policy: CRLUnavailablePolicy, lastError: String?
    ) -> CRLStatus {
        CRLStatus(
            listener: listener, source: source, issuer: "\(crl.issuer)", thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate,
            revoked: crl.entries.count, lastError: lastError, policy: policy.rawValue)
    }
}
