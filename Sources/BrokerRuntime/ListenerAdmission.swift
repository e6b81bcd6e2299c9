import BrokerCore
import ConfigModel
import NIOCore
import Synchronization

/// What a listener's connections on every event loop share: how many are open (for
/// max_connections), max_conn_rate's bucket, the counts of those refused, and the rate limit
/// on its failure lines. One lock, taken at accept, at close, and for a failure line: never
/// a packet.
final class ListenerAdmission: Sendable {
    struct Counts: Sendable {
        var connections = 0
        /// Connections admitted and gone (for the heap trimmer).
        var turnover = 0
        var shedByRate = 0
        var shedByCapacity = 0
        var deniedByAccessRules = 0
    }

    private struct State {
        var counts = Counts()
        var maxConnections: Int?
        var rateLimiter: ConnectionRateLimiter?
        var failureLog = LogRateLimiter()
    }

    private let state: Mutex<State>

    init(maxConnections: Int?, maxConnectionRate: ConnectionRate?) {
        state = Mutex(State(maxConnections: maxConnections, rateLimiter: maxConnectionRate.map(ConnectionRateLimiter.init)))
    }

    /// A reload's limits, for connections from now on.
    func apply(maxConnections: Int?, maxConnectionRate: ConnectionRate?) {
        state.withLock {
            $0.maxConnections = maxConnections
            $0.rateLimiter = maxConnectionRate.map(ConnectionRateLimiter.init)
        }
    }

    var counts: Counts { state.withLock { $0.counts } }
    var maxConnections: Int? { state.withLock { $0.maxConnections } }

    enum Verdict {
        case admitted
        /// At max_connections; how many were shed so far.
        case overCapacity(shed: Int)
        /// Over max_conn_rate; how many were shed so far.
        case overRate(shed: Int)
    }

    /// max_connections, then max_conn_rate; an admitted connection counts until `leave()`.
    func admit(now: NIODeadline) -> Verdict {
        state.withLock { state in
            if let maxConnections = state.maxConnections, state.counts.connections >= maxConnections {
                state.counts.shedByCapacity += 1
                return .overCapacity(shed: state.counts.shedByCapacity)
            }
            if state.rateLimiter != nil, !state.rateLimiter!.admit(now: now) {
                state.counts.shedByRate += 1
                return .overRate(shed: state.counts.shedByRate)
            }
            state.counts.connections += 1
            state.counts.turnover += 1
            return .admitted
        }
    }

    func denied() { state.withLock { $0.counts.deniedByAccessRules += 1 } }

    func leave() {
        state.withLock {
            $0.counts.connections -= 1
            $0.counts.turnover += 1
        }
    }

    /// `line` to log for a failed connection, or nil while the listener's failures are over
    /// their rate limit.
    func failureLine(_ line: String, at now: NIODeadline) -> String? {
        state.withLock { $0.failureLog.admit(at: now) }.map { LogRateLimiter.annotate(line, dropped: $0) }
    }
}
