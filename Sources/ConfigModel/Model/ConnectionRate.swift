/// `max_conn_rate` (and 5.10's `max_conn_burst`): how many new connections a listener takes
/// per second, as a token bucket.
public struct ConnectionRate: Sendable, Equatable {
    /// Connections per second.
    public let perSecond: Double
    /// How many may arrive at once after a quiet spell; by default one second's worth.
    public var burst: Int

    /// EMQX's forms: `"1000/s"`, `"1000/10s"`, `"100/m"`, `"1000"` (per second). nil for
    /// anything else; zero is invalid.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let count = Double(parts[0].trimmingWhitespace), count > 0, count.isFinite else { return nil }
        var seconds = 1.0
        if parts.count == 2 {
            guard let period = ConfigDuration(parsing: parts[1].first?.isNumber == true ? String(parts[1]) : "1" + parts[1]),
                period.milliseconds > 0
            else { return nil }
            seconds = Double(period.milliseconds) / 1000
        }
        perSecond = count / seconds
        burst = max(1, Int(perSecond.rounded(.up)))
    }
}

extension Substring {
    var trimmingWhitespace: String { String(self).trimmingWhitespace }
}
