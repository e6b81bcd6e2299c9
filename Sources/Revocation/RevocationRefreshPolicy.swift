import Foundation

/// When to fetch the next OCSP response or CRL.
///
/// After a good one: every `refresh_interval` (at least a minute, as in EMQX), but by half
/// of its remaining life at the latest, so a short-lived response or CRL is replaced before
/// its nextUpdate. After a failure: 5 s, then doubling up to the interval
/// (EMQX retries every 5 s forever).
struct RevocationRefreshPolicy {
    static let minimumInterval: TimeInterval = 60
    static let firstRetry: TimeInterval = 5

    let interval: TimeInterval
    private(set) var consecutiveFailures = 0

    init(interval: TimeInterval) {
        self.interval = max(Self.minimumInterval, interval)
    }

    mutating func delayAfterSuccess(nextUpdate: Date?, now: Date) -> TimeInterval {
        consecutiveFailures = 0
        guard let nextUpdate else { return interval }
        return max(Self.firstRetry, min(interval, nextUpdate.timeIntervalSince(now) / 2))
    }

    mutating func delayAfterFailure() -> TimeInterval {
        defer { consecutiveFailures += 1 }
        return min(interval, Self.firstRetry * Double(1 << min(consecutiveFailures, 16)))
    }
}
