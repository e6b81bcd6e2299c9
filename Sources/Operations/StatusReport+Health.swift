package import Foundation

extension StatusReport {
    /// Finds the problems in what the report holds and sets `health` to the worst:
    /// - a served certificate past notAfter is an error, an expired CA in cacertfile a
    ///   warning, and any certificate with fewer than `warnDays` days left a warning;
    /// - a revoked staple is an error; stapling on with nothing stapled, a warning;
    /// - a CRL past its nextUpdate, or a source with no CRL, is an error under fail_closed
    ///   (clients are refused) and a warning under fail_open (clients go unchecked).
    package mutating func evaluate(warnDays: Int, now: Date) {
        for certificate in certificates {
            let subject = "\(certificate.listener) \(certificate.file)#\(certificate.position)"
            if certificate.notAfter <= now {
                let severity: Health = certificate.role == .authority ? .warning : .error
                problems.append(
                    Problem(
                        severity: severity, subject: subject,
                        message: "\(certificate.subject) expired \(Self.day(certificate.notAfter))"))
            } else if certificate.daysLeft < warnDays {
                problems.append(
                    Problem(
                        severity: .warning, subject: subject,
                        message: "\(certificate.subject) expires \(Self.day(certificate.notAfter)), in \(certificate.daysLeft) days"))
            }
        }
        for staple in ocsp {
            switch staple.state {
            case .revoked:
                problems.append(
                    Problem(severity: .error, subject: staple.listener, message: "the OCSP responder says the certificate is revoked"))
            case .none:
                let why = staple.lastError.map { ": \($0)" } ?? ""
                problems.append(Problem(severity: .warning, subject: staple.listener, message: "no OCSP response is stapled\(why)"))
            case .good, .unknown:
                break
            }
        }
        for crl in crls {
            let severity: Health = crl.policy == "fail_open" ? .warning : .error
            let outcome = crl.policy == "fail_open" ? "clients go unchecked (fail_open)" : "clients are refused (fail_closed)"
            if let nextUpdate = crl.nextUpdate, nextUpdate < now {
                problems.append(
                    Problem(
                        severity: severity, subject: crl.source,
                        message: "the CRL of \(crl.issuer ?? "?") is past its nextUpdate (\(Self.day(nextUpdate))); \(outcome)"))
            } else if crl.issuer == nil {
                problems.append(
                    Problem(
                        severity: severity, subject: crl.source,
                        message: "no usable CRL\(crl.lastError.map { ": \($0)" } ?? ""); \(outcome)"))
            }
        }
        problems.sort { $0.severity > $1.severity }
        health = problems.first?.severity ?? .ok
    }

    /// `2026-12-01`.
    package static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
