import BrokerTLS
import CertTools
import ConfigModel
import Foundation
import Logging
import NIOCore
import Testing

@testable import Revocation

/// The CRL cache with an HTTP server in memory and time as an input.
@Suite struct CRLCacheTests {
    let clock = TestClock()
    let ca: TestCA
    let point = HTTPURL("http://ca.test/crl.pem")!

    init() throws { ca = try TestCA() }

    func cache(_ http: MemoryHTTP, capacity: Int = 100) -> CRLCache {
        var settings = CRLCacheConfig()
        settings.refreshInterval = .minutes(1)
        settings.capacity = capacity
        let clock = self.clock
        return CRLCache(
            listenerID: "ssl:test", authorities: [ca.certificate], settings: settings, crlfile: nil, eventLoop: clock.loop,
            logger: Logger(label: "test"), fetcher: http, now: { clock.date })
    }

    func serving(_ crl: CertificateRevocationList) -> HTTPResponse { HTTPResponse(status: 200, body: Array(crl.pemEncoded.utf8)) }

    @Test func aPointIsFetchedOnFirstUseAndRefreshedOnItsInterval() throws {
        let first = try ca.crl(at: clock.date)
        let http = MemoryHTTP(eventLoop: clock.loop) { _ in self.serving(first) }
        let cache = cache(http)
        #expect(cache.state(of: point) == .pending)
        try cache.fetch(point).wait()
        #expect(cache.state(of: point) == .available)
        #expect(cache.crls(issuerNameDER: ca.server.issuerNameDER).count == 1)

        let revoking = try ca.crl(revoking: [ca.server], at: clock.date)
        http.answer = { _ in self.serving(revoking) }
        clock.advance(by: 59)
        #expect(http.requests.count == 1)
        clock.advance(by: 1)
        #expect(http.requests.count == 2, "refreshed after crl_cache.refresh_interval")
        #expect(cache.crls(issuerNameDER: ca.server.issuerNameDER).first?.entry(revoking: ca.server) != nil)
    }

    @Test func aFailedRefreshKeepsTheLastGoodCRLAndRetriesSoon() throws {
        let good = try ca.crl(at: clock.date)
        let http = MemoryHTTP(eventLoop: clock.loop) { _ in self.serving(good) }
        let cache = cache(http)
        try cache.fetch(point).wait()
        http.answer = { _ in nil }
        clock.advance(by: 60)
        #expect(http.requests.count == 2)
        #expect(cache.state(of: point) == .available, "the last good CRL stays")
        clock.advance(by: 5)
        #expect(http.requests.count == 3, "retried 5 s after the failure")
    }

    /// CRLAcceptancePolicy: a CRL that names the trusted CA but carries another key's
    /// signature is dropped, and the point has no CRL.
    @Test func aCRLNotSignedByItsNamedCAIsUnavailable() throws {
        // Another CA under the trusted CA's name, with its own key.
        let key = try PrivateKey.generate(.ecP256)
        let validity = Validity(notBefore: clock.date.addingTimeInterval(-3600), notAfter: clock.date.addingTimeInterval(86400))
        let namesake = try CertificateIssuer(selfSigningWith: key).issue(
            CertificateSpec(subject: ca.certificate.subject, profile: .rootCA, validity: validity), subjectKey: key, serial: .random())
        let impostor = try CertificateIssuer(certificate: namesake, key: key)
        let forged = try impostor.issueCRL(
            revoked: [], number: .random(), thisUpdate: clock.date, nextUpdate: clock.date.addingTimeInterval(600))
        let cache = cache(MemoryHTTP(eventLoop: clock.loop) { _ in self.serving(forged) })
        try cache.fetch(point).wait()
        guard case .unavailable(let why) = cache.state(of: point) else { return #expect(Bool(false)) }
        #expect(why.contains("not signed by that CA's key"), "\(why)")
    }

    @Test func pointsBeyondCapacityAreDroppedOldestFirst() throws {
        let crl = try ca.crl(at: clock.date)
        let cache = cache(MemoryHTTP(eventLoop: clock.loop) { _ in self.serving(crl) }, capacity: 1)
        let other = HTTPURL("http://ca.test/other.pem")!
        try cache.fetch(point).wait()
        try cache.fetch(other).wait()
        #expect(cache.state(of: other) == .available)
        #expect(cache.state(of: point) == .pending, "evicted: met again, it is fetched again")
    }
}
