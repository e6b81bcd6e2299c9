import CertTools
package import ConfigModel
package import ConfigPreflight
package import Foundation

extension StatusReport {
    /// The status a config's files give, with no broker asked (`emqxctl status --config`):
    /// preflight's errors and warnings are problems; CRLs come from crlfile only (distribution
    /// points are fetched by a running server); staples are unknown.
    package init(
        files config: BrokerConfig, preflight: PreflightReport, paths: PathResolver, pskIdentities: Int?, now: Date = Date()
    ) {
        self.init(source: .files, generatedAt: now)
        describe(config, listeners: config.servedListeners, material: preflight.material, pskIdentities: pskIdentities)
        for listener in config.servedListeners {
            guard let ssl = listener.sslOptions else { continue }
            if ssl.ocsp?.enableOCSPStapling == true { ocsp.append(StapleStatus(listener: listener.id, state: .unknown)) }
            guard ssl.enableCRLCheck, ssl.verify == .verifyPeer, let crlfile = ssl.crlfile else { continue }
            do {
                for crl in try CryptoFile.read(path: paths.absolute(crlfile.value)).crls {
                    crls.append(
                        Self.crlStatus(crl, listener: listener.id, source: crlfile.value, policy: ssl.crlUnavailable, lastError: nil))
                }
            } catch {
                crls.append(
                    CRLStatus(listener: listener.id, source: crlfile.value, lastError: "\(error)", policy: ssl.crlUnavailable.rawValue))
            }
        }
        // Expiry is judged by `evaluate`, against --warn-days rather than preflight's 30 days.
        let judgedHere: Set<Diagnostic.Code> = [.certificateExpired, .certificateExpiring, .crlExpired]
        for diagnostic in preflight.diagnostics where diagnostic.severity != .note && !judgedHere.contains(diagnostic.code) {
            problems.append(
                Problem(
                    severity: diagnostic.severity == .error ? .error : .warning,
                    subject: diagnostic.keyPath ?? diagnostic.location.map { "\($0)" } ?? config.file, message: diagnostic.message))
        }
    }
}
