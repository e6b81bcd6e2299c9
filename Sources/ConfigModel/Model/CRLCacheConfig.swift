/// `crl_cache`: how CRLs fetched from distribution points are cached.
public struct CRLCacheConfig: Sendable {
    /// Default 15m; raised to at least 1m at runtime.
    public var refreshInterval = ConfigDuration.minutes(15)
    /// Default 15s.
    public var httpTimeout = ConfigDuration.seconds(15)
    /// The number of distribution-point URLs kept; default 100.
    public var capacity = 100

    public init() {}

    init(_ reader: inout ObjectReader) {
        refreshInterval = reader.duration("refresh_interval", default: refreshInterval)
        httpTimeout = reader.duration("http_timeout", default: httpTimeout)
        capacity = reader.integer("capacity", default: 100, range: 1...Int.max)
        reader.notApplied(["failure_threshold"], why: "an EMQX 5.10 option; emqxctl keeps a stale CRL until its nextUpdate")
        reader.finish()
    }
}
