import ConfigModel
import NIOCore

/// `max_conn_rate` as a token bucket: `burst` tokens, refilled at the rate; each accepted
/// connection takes one, and one that finds none is closed at once, before any TLS work, so a
/// reconnect storm costs the broker accepts and closes, not handshakes. Time is an input.
struct ConnectionRateLimiter {
    private let perNanosecond: Double
    private let capacity: Double
    private var tokens: Double
    private var last: NIODeadline?

    init(_ rate: ConnectionRate) {
        perNanosecond = rate.perSecond / 1_000_000_000
        capacity = Double(rate.burst)
        tokens = capacity
    }

    /// Whether a connection arriving `now` may stay.
    mutating func admit(now: NIODeadline) -> Bool {
        if let last {
            tokens = min(capacity, tokens + Double((now - last).nanoseconds) * perNanosecond)
        }
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
