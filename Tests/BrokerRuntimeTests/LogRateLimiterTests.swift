import BrokerCore
import NIOCore
import Testing

@testable import BrokerRuntime

struct LogRateLimiterTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func admitsABurstPerWindowAndCountsTheRest() {
        var limiter = LogRateLimiter(burst: 3, window: .seconds(1))
        let first = (0..<10).map { limiter.admit(at: start + .milliseconds(Int64($0))) }
        #expect(first == [0, 0, 0, nil, nil, nil, nil, nil, nil, nil])
        // The next window lets a line through and says how many were dropped before it.
        #expect(limiter.admit(at: start + .milliseconds(1_000)) == 7)
        #expect(limiter.admit(at: start + .milliseconds(1_001)) == 0)
    }

    @Test func aQuietListenerIsNeverLimited() {
        var limiter = LogRateLimiter(burst: 2, window: .seconds(1))
        for second in 0..<20 { #expect(limiter.admit(at: start + .seconds(Int64(second))) == 0) }
    }

    @Test func theAnnotationNamesTheDroppedCountOnlyWhenThereIsOne() {
        #expect(LogRateLimiter.annotate("TLS handshake failed: x", dropped: 0) == "TLS handshake failed: x")
        #expect(
            LogRateLimiter.annotate("TLS handshake failed: x", dropped: 4)
                == "TLS handshake failed: x (4 similar lines not logged just before this one)")
    }

    @Test func listenersShareOneLimitAcrossTheirConnections() {
        let listener = ListenerState(id: "ssl:default", maxConnections: nil)
        let lines = (0..<25).compactMap { listener.failureLine("failed", at: start + .milliseconds(Int64($0))) }
        #expect(lines.count == 10)
    }
}
