import BrokerTLS

/// A listener's refused TLS handshakes, counted by cause: a fixed array, so counting a
/// failure allocates nothing.
public struct HandshakeFailureCounts: Sendable, Equatable {
    private var counts = [Int](repeating: 0, count: HandshakeRefusal.Cause.allCases.count)

    public init() {}

    mutating func count(_ cause: HandshakeRefusal.Cause) {
        counts[HandshakeRefusal.Cause.allCases.firstIndex(of: cause)!] += 1
    }

    mutating func add(_ other: HandshakeFailureCounts) {
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    /// Every cause with its count, zeros included (a metric that exists from the start).
    public var byCause: [(cause: String, count: Int)] {
        zip(HandshakeRefusal.Cause.allCases, counts).map { ($0.rawValue, $1) }
    }

    public var total: Int { counts.reduce(0, +) }
}
