package import NIOCore

/// At most `burst` lines per `window`, so that a fleet of misconfigured clients retrying
/// in a loop, or an attacker, cannot flood the log: every per-connection event goes through
/// one (its listener's, or the broker core's). Lines held back are counted, and the next line let through
/// says how many there were.
package struct LogRateLimiter {
    let burst: Int
    let window: TimeAmount
    private var windowStart: NIODeadline?
    private var admitted = 0
    private var suppressed = 0

    package init(burst: Int = 10, window: TimeAmount = .seconds(1)) {
        self.burst = burst
        self.window = window
    }

    /// nil when this line must be dropped; otherwise how many were dropped before it.
    package mutating func admit(at now: NIODeadline) -> Int? {
        if let start = windowStart, now - start < window {
            guard admitted < burst else {
                suppressed += 1
                return nil
            }
        } else {
            windowStart = now
            admitted = 0
        }
        admitted += 1
        defer { suppressed = 0 }
        return suppressed
    }

    /// `line`, with the count of lines dropped before it when there were any.
    package static func annotate(_ line: String, dropped: Int) -> String {
        dropped == 0 ? line : "\(line) (\(dropped) similar lines not logged just before this one)"
    }
}
