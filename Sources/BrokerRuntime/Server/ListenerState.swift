import NIOCore

/// Per-listener state shared by its connections: the connection count against
/// max_connections, the count of TLS handshakes, and the rate limit on connection-failure
/// log lines. Confined to the
/// broker's event loop.
final class ListenerState {
    let id: String
    let maxConnections: Int?
    private(set) var connections = 0
    /// TLS handshakes completed, for the heap trimmer.
    private(set) var handshakes = 0
    private var failureLog = LogRateLimiter()

    init(id: String, maxConnections: Int?) {
        self.id = id
        self.maxConnections = maxConnections
    }

    func admit() -> Bool {
        if let maxConnections, connections >= maxConnections { return false }
        connections += 1
        return true
    }

    func leave() { connections -= 1 }

    func handshakeCompleted() { handshakes += 1 }

    /// `line` to log for a failed connection, or nil while this listener's failures are
    /// over their rate limit.
    func failureLine(_ line: String, at now: NIODeadline = .now()) -> String? {
        failureLog.admit(at: now).map { LogRateLimiter.annotate(line, dropped: $0) }
    }
}
