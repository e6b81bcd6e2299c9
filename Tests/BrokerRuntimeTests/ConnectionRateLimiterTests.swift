import ConfigModel
import NIOCore
import Testing

@testable import BrokerRuntime

/// max_conn_rate's forms, and the token bucket it becomes, on a clock the test moves.
@Suite struct ConnectionRateLimiterTests {
    @Test func emqxsRateForms() throws {
        #expect(ConnectionRate(parsing: "100/s")?.perSecond == 100)
        #expect(ConnectionRate(parsing: "1000/10s")?.perSecond == 100)
        #expect(ConnectionRate(parsing: "60/m")?.perSecond == 1)
        #expect(ConnectionRate(parsing: "250")?.perSecond == 250)
        #expect(ConnectionRate(parsing: "100/s")?.burst == 100, "one second's worth by default")
        for bad in ["0", "0/s", "-5/s", "fast", "10/x", "10/0s", ""] { #expect(ConnectionRate(parsing: bad) == nil, "\(bad)") }
    }

    @Test func aStormIsShedAtTheRate() throws {
        var rate = try #require(ConnectionRate(parsing: "100/s"))
        rate.burst = 10
        var limiter = ConnectionRateLimiter(rate)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        // 1,000 connections within a millisecond: the burst gets in, the rest are shed.
        let admitted = (0..<1000).filter { limiter.admit(now: start + .nanoseconds(Int64($0))) }.count
        #expect(admitted == 10)
        // Then 100 per second: over two seconds of one attempt per millisecond, about 200.
        let later = (1...2000).filter { limiter.admit(now: start + .milliseconds(Int64($0))) }.count
        #expect((199...201).contains(later), "\(later)")
    }

    @Test func configReadsRateAndBurst() throws {
        let result = ConfigLoader(environment: [:]).load(
            text: """
                listeners.ssl.default = marked_for_deletion
                listeners.tcp.default { max_conn_rate = "1000/10s", max_conn_burst = 20 }
                listeners.tcp.other { bind = 1884, max_conn_rate = "lots" }
                """, path: "emqx.conf")
        let listener = try #require(result.config?.listener("tcp:default"))
        #expect(listener.maxConnectionRate?.perSecond == 100 && listener.maxConnectionRate?.burst == 20)
        #expect(result.diagnostics.contains { $0.keyPath == "listeners.tcp.other.max_conn_rate" && $0.severity == .error })
    }
}
