import Foundation
import Testing

@testable import Revocation

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
