import Foundation
import Testing

@testable import Operations

/// `StatusReport.evaluate`: which facts are warnings, which are errors (the exit codes of
/// `emqxctl status` follow), driven without a broker.
struct StatusHealthTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func certificate(_ role: StatusReport.CertificateStatus.Role, daysLeft: Double) -> StatusReport.CertificateStatus {
        let notAfter = now.addingTimeInterval(daysLeft * 86400)
        return .init(
            listener: "ssl:default", role: role, file: "etc/certs/cert.pem", position: 0, subject: "CN=broker", issuer: "CN=CA",
            serial: "01", notBefore: now.addingTimeInterval(-86400 * 90), notAfter: notAfter,
            daysLeft: Int((daysLeft).rounded(.down)))
    }

    func evaluated(_ build: (inout StatusReport) -> Void, warnDays: Int = 30) -> StatusReport {
        var report = StatusReport(source: .live, generatedAt: now)
        build(&report)
        report.evaluate(warnDays: warnDays, now: now)
        return report
    }

    @Test func healthyWhenNothingIsNear() {
        let report = evaluated { $0.certificates = [certificate(.leaf, daysLeft: 90), certificate(.authority, daysLeft: 3000)] }
        #expect(report.health == .ok)
        #expect(report.problems.isEmpty)
        #expect(report.health.exitCode == 0)
    }

    @Test func certificateInsideWarnDaysIsAWarning() {
        let report = evaluated { $0.certificates = [certificate(.intermediate, daysLeft: 10.5)] }
        #expect(report.health == .warning)
        #expect(report.problems.first?.message.contains("in 10 days") == true, "\(report.problems)")
        #expect(evaluated({ $0.certificates = [certificate(.intermediate, daysLeft: 10.5)] }, warnDays: 7).health == .ok)
    }

    @Test func expiredServedCertificateIsAnErrorAnExpiredCAAWarning() {
        #expect(evaluated { $0.certificates = [certificate(.leaf, daysLeft: -1)] }.health == .error)
        #expect(evaluated { $0.certificates = [certificate(.authority, daysLeft: -1)] }.health == .warning)
        let both = evaluated { $0.certificates = [certificate(.authority, daysLeft: -1), certificate(.leaf, daysLeft: -2)] }
        #expect(both.problems.map(\.severity) == [.error, .warning], "worst first")
        #expect(both.health.exitCode == 2)
    }

    @Test func staleCRLDependsOnThePolicy() {
        func crl(_ policy: String, nextUpdate: Date?, issuer: String? = "CN=CA") -> StatusReport.CRLStatus {
            .init(listener: "ssl:default", source: "crl.pem", issuer: issuer, nextUpdate: nextUpdate, policy: policy)
        }
        let past = now.addingTimeInterval(-60)
        #expect(evaluated { $0.crls = [crl("fail_closed", nextUpdate: past)] }.health == .error)
        #expect(evaluated { $0.crls = [crl("fail_open", nextUpdate: past)] }.health == .warning)
        #expect(evaluated { $0.crls = [crl("fail_closed", nextUpdate: now.addingTimeInterval(3600))] }.health == .ok)
        let missing = evaluated { $0.crls = [crl("fail_closed", nextUpdate: nil, issuer: nil)] }
        #expect(missing.health == .error && missing.problems[0].message.contains("clients are refused"))
    }

    @Test func staples() {
        #expect(evaluated { $0.ocsp = [.init(listener: "ssl:default", state: .good)] }.health == .ok)
        #expect(evaluated { $0.ocsp = [.init(listener: "ssl:default", state: .none, lastError: "timeout")] }.health == .warning)
        #expect(evaluated { $0.ocsp = [.init(listener: "ssl:default", state: .revoked)] }.health == .error)
        #expect(evaluated { $0.ocsp = [.init(listener: "ssl:default", state: .unknown)] }.health == .ok)
    }

    @Test func reportRoundTripsThroughJSON() throws {
        let report = evaluated { $0.certificates = [certificate(.leaf, daysLeft: 5)] }
        let json = try StatusReport.encoder.encode(report)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"days_left\" : 5") && text.contains("\"not_after\" : \"2027-"), "\(text)")
        #expect(try StatusReport.decoder.decode(StatusReport.self, from: json) == report)
    }
}
