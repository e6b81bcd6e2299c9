import Foundation
import Operations

/// `emqxctl status`'s text: the health first, then listeners, certificates (soonest to
/// expire first), staples, CRLs, policy, and the problems found.
enum StatusText {
    static func render(_ report: StatusReport) -> String {
        var lines = ["emqxctl status: \(report.health.rawValue) (\(report.source == .live ? "running broker" : "from the files"))"]
        if !report.problems.isEmpty {
            lines.append("")
            lines += report.problems.map { "  \($0.severity.rawValue): \($0.subject): \($0.message)" }
        }
        lines.append("\nListeners")
        for listener in report.listeners {
            var facts: [String] = []
            if let connections = listener.connections { facts.append("\(connections) connections") }
            if let handshakes = listener.handshakes {
                facts.append("\(handshakes) handshakes, \(listener.handshakeFailures ?? 0) refused")
            }
            if let tls = listener.tls {
                var parts = [tls.versions.joined(separator: ", "), tls.verify]
                if tls.ocspStapling { parts.append("OCSP stapling") }
                if let policy = tls.crlUnavailable { parts.append("CRL check (\(policy))") }
                if tls.psk { parts.append("PSK") }
                facts.append(parts.joined(separator: "; "))
            }
            let described = [listener.id, listener.bind, facts.joined(separator: "; ")].filter { !$0.isEmpty }
            lines.append("  " + described.joined(separator: "  "))
        }
        if !report.certificates.isEmpty {
            lines.append("\nCertificates")
            for certificate in report.certificates.sorted(by: { $0.notAfter < $1.notAfter }) {
                let left = certificate.daysLeft < 0 ? "EXPIRED \(-certificate.daysLeft) days ago" : "\(certificate.daysLeft) days left"
                lines.append(
                    "  \(certificate.listener) \(certificate.role.rawValue): \(certificate.subject), serial \(certificate.serial), "
                        + "\(left) (until \(day(certificate.notAfter))), \(certificate.file)#\(certificate.position)")
            }
        }
        if !report.ocsp.isEmpty {
            lines.append("\nOCSP staples")
            for staple in report.ocsp {
                var facts = [staple.state.rawValue]
                if let next = staple.nextUpdate { facts.append("next update \(day(next))") }
                if let age = staple.ageSeconds { facts.append("age \(age) s") }
                if let error = staple.lastError { facts.append("last fetch: \(error)") }
                lines.append("  \(staple.listener): \(facts.joined(separator: ", "))")
            }
        }
        if !report.crls.isEmpty {
            lines.append("\nCRLs")
            for crl in report.crls {
                let held = crl.issuer.map { "\(crl.revoked ?? 0) revoked by \($0)" } ?? "no usable CRL"
                let next = crl.nextUpdate.map { ", next update \(day($0))" } ?? ""
                let error = crl.lastError.map { "; last: \($0)" } ?? ""
                lines.append("  \(crl.listener) \(crl.source): \(held)\(next) (\(crl.policy))\(error)")
            }
        }
        let policy = report.policy
        lines.append("\nPolicy")
        lines.append("  authentication: \(policy.authentication.isEmpty ? "none" : policy.authentication.joined(separator: ", "))")
        lines.append(
            "  authorization: \(policy.authorizationSources.isEmpty ? "no sources" : policy.authorizationSources.joined(separator: ", ")), then no_match = \(policy.noMatch); "
                + "deny_action = \(policy.denyAction)")
        lines.append("  PSK: \(report.psk.map { "on, \($0.identities.map(String.init) ?? "?") identities" } ?? "off")")
        if let traffic = report.traffic {
            lines.append(
                "\n\(traffic.connectedClients) clients connected; \(traffic.messagesReceived) messages received, "
                    + "\(traffic.messagesDelivered) delivered, \(traffic.messagesDropped) dropped")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func day(_ date: Date) -> String { StatusReport.day(date) }
}
