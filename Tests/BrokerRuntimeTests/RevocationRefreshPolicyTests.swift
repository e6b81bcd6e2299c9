import Foundation
import Testing

@testable import BrokerRuntime

struct RevocationRefreshPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func refreshesEveryIntervalButNeverBelowAMinute() {
        var policy = RevocationRefreshPolicy(interval: 300)
        #expect(policy.delayAfterSuccess(nextUpdate: nil, now: now) == 300)
        #expect(policy.delayAfterSuccess(nextUpdate: now.addingTimeInterval(7 * 86400), now: now) == 300)
        #expect(RevocationRefreshPolicy(interval: 10).interval == 60)  // EMQX raises it too
    }

    @Test func aShortLivedResponseIsReplacedByHalfItsRemainingLife() {
        var policy = RevocationRefreshPolicy(interval: 300)
        #expect(policy.delayAfterSuccess(nextUpdate: now.addingTimeInterval(240), now: now) == 120)
        #expect(policy.delayAfterSuccess(nextUpdate: now.addingTimeInterval(4), now: now) == 5)  // never a busy loop
        #expect(policy.delayAfterSuccess(nextUpdate: now.addingTimeInterval(-60), now: now) == 5)
    }

    @Test func failuresBackOffFromFiveSecondsToTheInterval() {
        var policy = RevocationRefreshPolicy(interval: 60)
        let delays = (0..<6).map { _ in policy.delayAfterFailure() }
        #expect(delays == [5, 10, 20, 40, 60, 60])
        #expect(policy.delayAfterSuccess(nextUpdate: nil, now: now) == 60)
        #expect(policy.delayAfterFailure() == 5)  // a success resets the backoff
    }
}

struct HTTPURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:9877", "127.0.0.1", 9877, "/"),
        ("127.0.0.1:9877", "127.0.0.1", 9877, "/"),  // EMQX adds http://
        ("http://ocsp.example.com/ocsp?x=1", "ocsp.example.com", 80, "/ocsp?x=1"),
        ("HTTP://[::1]:8080/crl/ca.crl", "::1", 8080, "/crl/ca.crl"),
        ("http://host?q", "host", 80, "/?q"),
    ])
    func parsesHostPortAndPath(_ text: String, _ host: String, _ port: Int, _ path: String) throws {
        let url = try #require(HTTPURL(text))
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.path == path)
    }

    @Test(arguments: [
        "https://ocsp.example.com", "ldap://dir.example.com/cn=ca", "http://", "http://:80/", "http://h:0/", "http://h:99999/",
        "http://user@h/", "http://[::1/",
    ])
    func refusesWhatItCannotFetch(_ text: String) {
        #expect(HTTPURL(text) == nil)
    }

    @Test func appendsARequestAsOnePathSegment() throws {
        #expect(try #require(HTTPURL("http://h:1")).appendingPathComponent("MEIw").description == "http://h:1/MEIw")
        #expect(try #require(HTTPURL("http://h/ocsp")).appendingPathComponent("MEIw").description == "http://h/ocsp/MEIw")
        #expect(try #require(HTTPURL("http://h/ocsp/")).appendingPathComponent("MEIw").description == "http://h/ocsp/MEIw")
    }
}
