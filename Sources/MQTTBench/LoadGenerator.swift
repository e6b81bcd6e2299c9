public import BrokerTLS
public import Foundation
public import MQTTCore
import NIOCore
import NIOPosix

/// What `emqxctl bench` runs: many MQTT clients on one event loop, built on the broker's own
/// codec, in the style of emqtt-bench. Every loop is bounded by `duration`.
public struct BenchOptions: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Connect, CONNACK, DISCONNECT, as fast as `connectRate` allows.
        case connect = "conn"
        /// Publish to `topic` (with `%i` replaced by the client number).
        case publish = "pub"
        /// Subscribe to `topic` and count what arrives, with QoS 1 latency from timestamps.
        case subscribe = "sub"
    }

    public var mode: Mode
    public var host = "127.0.0.1"
    public var port = 1883
    public var clients = 1
    public var qos = QoS.atMostOnce
    public var payloadSize = 64
    public var topic = "bench/%i"
    public var duration: TimeInterval = 10
    /// Messages per second per publisher; 0 means as fast as the window allows.
    public var rate = 0
    /// Unacknowledged QoS 1/2 messages per publisher.
    public var window = 32
    /// New connections per second for `connect`; 0 means as fast as possible.
    public var connectRate = 0
    public var version = ProtocolVersion.v5
    /// MQTT over TLS with these settings; nil is plain TCP.
    public var tls: TLSClientOptions?
    /// MQTT over WebSocket at this path (`--ws`), nil for plain MQTT.
    public var websocketPath: String?
    /// Sent in every CONNECT, for brokers that authenticate.
    public var username: String?
    public var password: [UInt8]?
    /// A session that outlives its connection: clean start off and, for 5.0, this Session
    /// Expiry Interval (a durable session where the broker persists them). nil: clean.
    public var sessionExpiry: UInt32?

    public init(mode: Mode) { self.mode = mode }
}

/// What a run measured.
public struct BenchReport: Sendable {
    public var connected = 0
    public var failed = 0
    public var published = 0
    public var acknowledged = 0
    public var received = 0
    public var seconds = 0.0
    /// End-to-end latencies in nanoseconds (publisher timestamp to arrival), sorted.
    public var latencies: [Int64] = []
    /// Why connections failed: the first words of each kind of error, with a count.
    public var failures: [String: Int] = [:]
    /// When the first and the last message arrived (subscribers), for the receiving rate.
    var firstReceived: NIODeadline?
    var lastReceived: NIODeadline?

    /// Messages received per second, over the time they were arriving (not the whole run:
    /// a subscriber started before its publisher would count the wait).
    public var receiveRate: Double {
        guard received > 1, let first = firstReceived, let last = lastReceived, last > first else { return Double(received) / seconds }
        return Double(received - 1) / (Double((last - first).nanoseconds) / 1e9)
    }

    /// "connection refused ×1677; certificate verify failed ×3", most frequent first.
    public var failureSummary: String {
        failures.sorted { $0.value > $1.value }.map { "\($0.key) ×\($0.value)" }.joined(separator: "; ")
    }

    mutating func fail(_ reason: String) {
        failed += 1
        failures[reason, default: 0] += 1
    }

    public func percentile(_ p: Double) -> Double? {
        guard !latencies.isEmpty else { return nil }
        let index = min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.down)))
        return Double(latencies[index]) / 1_000_000
    }
}

public enum LoadGenerator {
    /// Runs the load and blocks until `duration` has passed and in-flight work has drained.
    public static func run(_ options: BenchOptions) throws -> BenchReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let start = NIODeadline.now()
        let deadline = start + .nanoseconds(Int64(options.duration * 1_000_000_000))
        let state = try loop.submit { NIOLoopBound(BenchState(options: options, deadline: deadline), eventLoop: loop) }.wait()
        let connectCount = options.mode == .connect ? Int.max : options.clients
        let interval: TimeAmount? = options.connectRate > 0 ? .nanoseconds(1_000_000_000 / Int64(options.connectRate)) : nil
        let tls = try options.tls.map(TLSContext.client)
        let serverName = options.tls?.serverName
        let connect: @Sendable (Int) -> EventLoopFuture<any Channel> = { index in
            ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            let handler = try TLSHandler(
                                context: tls, role: .client, handshakeTimeout: .seconds(15), serverName: serverName)
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                        let client = BenchClientHandler(index: index, state: state.value)
                        guard let path = options.websocketPath else {
                            return try channel.pipeline.syncOperations.addHandler(client)
                        }
                        let bound = NIOLoopBound(client, eventLoop: channel.eventLoop)
                        try WebSocketClient.configure(channel, host: options.host, path: path) { channel in
                            try channel.pipeline.syncOperations.addHandler(bound.value)
                        }
                    }
                }
                .connect(host: options.host, port: options.port)
        }
        if options.mode == .connect && options.clients > 1 {
            // `clients` chains at once, each connecting again as its last connection closes.
            try loop.submit { for _ in 0..<options.clients { Self.chain(connect, state: state, deadline: deadline) } }.wait()
        }
        var launched = options.mode == .connect && options.clients > 1 ? connectCount : 0
        while launched < connectCount && NIODeadline.now() < deadline {
            let future = connect(launched)
            if options.mode == .connect {
                // One connection at a time (or paced): the rate is the measurement.
                do {
                    let channel = try future.wait()
                    try? channel.closeFuture.wait()
                } catch {
                    let reason = BenchFailure.describe(error)
                    try loop.submit { state.value.report.fail(reason) }.wait()
                }
                if let interval { Thread.sleep(forTimeInterval: Double(interval.nanoseconds) / 1e9) }
            } else {
                future.whenFailure { error in state.value.report.fail(BenchFailure.describe(error)) }
            }
            launched += 1
        }
        let remaining = deadline - .now()
        if remaining > .zero { Thread.sleep(forTimeInterval: Double(remaining.nanoseconds) / 1e9) }
        try loop.submit { state.value.stopping = true }.wait()
        Thread.sleep(forTimeInterval: 1)  // let acknowledgements and last deliveries arrive
        return try loop.submit {
            var report = state.value.report
            report.seconds = Double((min(NIODeadline.now(), deadline) - start).nanoseconds) / 1e9
            report.latencies.sort()
            for channel in state.value.channels { channel.close(promise: nil) }
            return report
        }.wait()
    }
}

extension LoadGenerator {
    /// One connection after another until `deadline`, counting failures.
    fileprivate static func chain(
        _ connect: @escaping @Sendable (Int) -> EventLoopFuture<any Channel>, state: NIOLoopBound<BenchState>, deadline: NIODeadline
    ) {
        guard NIODeadline.now() < deadline else { return }
        connect(0).flatMap(\.closeFuture).whenComplete { result in
            if case .failure(let error) = result { state.value.report.fail(BenchFailure.describe(error)) }
            chain(connect, state: state, deadline: deadline)
        }
    }
}

/// State shared by the generator's clients, on its one event loop.
final class BenchState {
    let options: BenchOptions
    let deadline: NIODeadline
    var report = BenchReport()
    var stopping = false
    var channels: [any Channel] = []
    /// At most this many latency samples are kept (every message until then).
    static let maximumSamples = 2_000_000

    init(options: BenchOptions, deadline: NIODeadline) {
        self.options = options
        self.deadline = deadline
    }
}

/// The first words of a failure, so that failures of one kind count together.
enum BenchFailure {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as TLSError:
            return "TLS: " + (error.openSSLReasons.first ?? error.reason)
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return describe(first.error) }
            return "no address for \(error.host)"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode)).lowercased()
        case ChannelError.connectTimeout:
            return "connection timed out"
        default:
            return "\(error)"
        }
    }
}
