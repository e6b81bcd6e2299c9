import BrokerTLS
import CertTools
import ConfigModel
import Foundation
import Logging
import NIOCore
import Testing

@testable import Revocation

/// The OCSP stapler with a responder in memory and time as an input.
@Suite struct OCSPStaplerTests {
    let clock = TestClock()
    let ca: TestCA
    let staple = OCSPStaple()

    init() throws { ca = try TestCA() }

    /// A responder answering from the CA's index, each response valid for `validity` seconds.
    func responder(validity: TimeInterval) throws -> MemoryHTTP {
        let responder = try ca.responder
        let clock = self.clock
        return MemoryHTTP(eventLoop: clock.loop) { url in
            // GET {responder}/{url-encoded base64 of the DER request}
            let encoded = url.path.split(separator: "/").last.map(String.init) ?? ""
            let base64 = encoded.replacingOccurrences(of: "%2B", with: "+").replacingOccurrences(of: "%2F", with: "/")
                .replacingOccurrences(of: "%3D", with: "=")
            guard let request = Data(base64Encoded: base64) else { return HTTPResponse(status: 400, body: []) }
            return HTTPResponse(status: 200, body: responder.respond(to: Array(request), at: clock.date, validity: validity).der)
        }
    }

    func stapler(_ http: MemoryHTTP, refresh: TimeInterval = 300) throws -> OCSPStapler {
        let clock = self.clock
        return try OCSPStapler(
            listenerID: "ssl:test", certificate: ca.server, issuer: ca.certificate, responder: HTTPURL("http://ocsp.test/")!,
            refreshInterval: refresh, timeout: .seconds(5), staple: staple, eventLoop: clock.loop, logger: Logger(label: "test"),
            fetcher: http, now: { clock.date })
    }

    @Test func aGoodResponseIsStapledAndRefreshedBeforeItExpires() throws {
        let http = try responder(validity: 3600)
        let stapler = try stapler(http)
        stapler.start()
        #expect(staple.der != nil)
        let first = staple.der
        clock.advance(by: 299)
        #expect(http.requests.count == 1)
        clock.advance(by: 1)
        #expect(http.requests.count == 2, "refresh_interval")
        #expect(staple.der != first, "the newer response is stapled")
        stapler.stop()
    }

    /// Fail open: with the responder down, the last good response stays stapled until its
    /// nextUpdate, and then no staple is sent rather than a stale one.
    @Test func aStapleIsDroppedAtItsNextUpdateWhenNoFreshOneComes() throws {
        let http = try responder(validity: 600)
        let stapler = try stapler(http, refresh: 60)
        stapler.start()
        #expect(staple.der != nil)
        http.answer = { _ in nil }
        clock.advance(by: 599)
        #expect(staple.der != nil)
        #expect(http.requests.count > 3, "retried with backoff")
        clock.advance(by: 1)
        #expect(staple.der == nil)
        stapler.stop()
    }

    /// A response that does not vouch for the listener's certificate is not stapled.
    @Test func anUnknownStatusIsNotStapled() throws {
        let other = try TestCA()
        let foreign = try other.responder
        let clock = self.clock
        let http = MemoryHTTP(eventLoop: clock.loop) { url in
            let encoded = url.path.split(separator: "/").last.map(String.init) ?? ""
            let request = Data(base64Encoded: encoded.removingPercentEncoding ?? "") ?? Data()
            return HTTPResponse(status: 200, body: foreign.respond(to: Array(request), at: clock.date, validity: 600).der)
        }
        let stapler = try stapler(http)
        stapler.start()
        #expect(staple.der == nil)
        stapler.stop()
    }
}
