import BrokerCore
import BrokerTLS
import ConfigModel
import Logging
import NIOCore

/// Per-listener state shared by its connections: who may connect (access_rules,
/// max_connections), the connection count, the count of TLS handshakes, and the rate limit on
/// connection-failure log lines. Confined to the broker's event loop.
final class ListenerState {
    let id: String
    private(set) var maxConnections: Int?
    /// The TLS context new connections get; a reload swaps it, connections already open keep
    /// theirs.
    var tls: TLSContext?
    /// `max_conn_rate`, when set.
    private var rateLimiter: ConnectionRateLimiter?
    /// Connections closed at accept for access_rules, max_conn_rate and max_connections.
    private(set) var deniedByAccessRules = 0
    private(set) var shedByRate = 0
    private(set) var shedByCapacity = 0
    private(set) var accessRules: [AccessRule]
    /// How long a connection may go without being able to send (tcp_options.send_timeout).
    private(set) var sendTimeout: TimeAmount
    /// ws and wss: the `websocket` block new connections are upgraded by.
    private(set) var websocket: WebSocketConfig?
    /// Who a CONNECT is; nothing to do without a chain or identity rules.
    var authentication: ListenerAuthentication
    private(set) var connections = 0
    /// TLS handshakes completed (for metrics and the heap trimmer), refused by cause, and
    /// connections admitted and gone.
    private(set) var handshakes = 0
    private(set) var handshakeFailures = HandshakeFailureCounts()
    private(set) var turnover = 0
    /// Bytes read from and written to this listener's connections (after TLS: MQTT bytes).
    var bytesReceived = 0
    var bytesSent = 0
    private var failureLog = LogRateLimiter()
    let logger: Logger

    init(
        id: String, maxConnections: Int? = nil, maxConnectionRate: ConnectionRate? = nil, accessRules: [AccessRule] = [],
        sendTimeout: TimeAmount = .seconds(15), authentication: ListenerAuthentication = .none,
        logger: Logger = Logger(label: "emqxctl.broker")
    ) {
        self.rateLimiter = maxConnectionRate.map(ConnectionRateLimiter.init)
        self.authentication = authentication
        self.id = id
        self.logger = logger
        self.maxConnections = maxConnections
        self.accessRules = Self.effective(accessRules)
        self.sendTimeout = sendTimeout
    }

    convenience init(_ listener: ListenerConfig, authentication: ListenerAuthentication, logger: Logger) {
        self.init(
            id: listener.id, maxConnections: listener.maxConnections, maxConnectionRate: listener.maxConnectionRate,
            accessRules: listener.accessRules,
            sendTimeout: .milliseconds(listener.tcpOptions.sendTimeout.milliseconds), authentication: authentication, logger: logger)
        websocket = listener.websocket
    }

    /// A reload's new access_rules, limits and websocket block, for connections accepted from
    /// now on.
    func apply(_ listener: ListenerConfig) {
        websocket = listener.websocket
        maxConnections = listener.maxConnections
        accessRules = Self.effective(listener.accessRules)
        sendTimeout = .milliseconds(listener.tcpOptions.sendTimeout.milliseconds)
        rateLimiter = listener.maxConnectionRate.map(ConnectionRateLimiter.init)
    }

    /// The default `allow all` decides nothing: no rule to walk per connection.
    private static func effective(_ rules: [AccessRule]) -> [AccessRule] {
        rules.allSatisfy { $0.action == .allow && $0.network == nil } ? [] : rules
    }

    enum Admission {
        case admitted
        /// A rule of access_rules denies the peer's address.
        case denied(AccessRule)
        case overCapacity
        /// Over max_conn_rate.
        case overRate
    }

    /// Whether a new connection from `peer` may stay: access_rules first (EMQX checks them at
    /// accept), then max_connections, then max_conn_rate. An admitted connection counts until `leave()`.
    func admit(_ peer: SocketAddress?, now: NIODeadline) -> Admission {
        if !accessRules.isEmpty, let rule = accessRules.denying(peer?.addressBytes ?? []) {
            deniedByAccessRules += 1
            return .denied(rule)
        }
        if let maxConnections, connections >= maxConnections {
            shedByCapacity += 1
            return .overCapacity
        }
        if rateLimiter != nil, !rateLimiter!.admit(now: now) {
            shedByRate += 1
            return .overRate
        }
        connections += 1
        turnover += 1
        return .admitted
    }

    /// `admit`, with the refusal logged (rate-limited) in the words each reason deserves.
    func admitLogging(_ peer: SocketAddress?, now: NIODeadline) -> Bool {
        switch admit(peer, now: now) {
        case .admitted:
            return true
        case .denied(let rule):
            // Before any byte is read (and before TLS): closed at once, as EMQX does.
            logFailure("connection refused on \(id) by its access rule \"\(rule)\"", peer: peer)
        case .overCapacity:
            // Over max_connections: closed at once, as EMQX does (no CONNACK).
            logFailure(
                "connection refused: \(id) is at max_connections (\(maxConnections ?? 0)); \(shedByCapacity) shed so far", peer: peer)
        case .overRate:
            // Over max_conn_rate: closed before any TLS work, so a storm costs accepts only.
            logFailure("connection refused: \(id) is over max_conn_rate; \(shedByRate) shed so far", peer: peer)
        }
        return false
    }

    func leave() {
        connections -= 1
        turnover += 1
    }

    /// `line` to log for a failed connection, or nil while this listener's failures are
    /// over their rate limit.
    func failureLine(_ line: String, at now: NIODeadline = .now()) -> String? {
        failureLog.admit(at: now).map { LogRateLimiter.annotate(line, dropped: $0) }
    }
}

/// The listener's side of TLS: handshakes counted, refusals logged in plain words (rate
/// limited, so a fleet of misconfigured clients cannot flood the log).
extension ListenerState: TLSServerObserver {
    func handshakeCompleted() { handshakes += 1 }

    func refused(_ refusal: HandshakeRefusal, peer: SocketAddress?) {
        handshakeFailures.count(refusal.cause)
        logFailure("TLS handshake failed: \(refusal)", peer: peer)
    }

    func acceptedWithoutCRL(_ reason: String, peer: SocketAddress?) {
        logFailure("client accepted without a CRL check (crl_unavailable = fail_open): \(reason)", peer: peer)
    }

    func failed(_ error: TLSError, peer: SocketAddress?) {
        log(.info, "TLS error: \(error)", peer: peer)
    }

    /// One warning, unless this listener's failure lines are over their rate limit.
    func logFailure(_ line: String, peer: SocketAddress?, client: String? = nil) {
        log(.warning, line, peer: peer, client: client)
    }
}

extension ListenerState {
    /// A line about one connection, naming the listener, the peer and the client id once
    /// known; every such line of a listener shares one rate limit (10 a second), so that a
    /// flood of bad clients cannot flood the log.
    func log(_ level: Logger.Level, _ line: String, peer: SocketAddress?, client: String? = nil) {
        guard let line = failureLine(line) else { return }
        var metadata: Logger.Metadata = ["listener": "\(id)", "peer": "\(peer?.logDescription ?? "?")"]
        if let client { metadata["client"] = "\(client)" }
        logger.log(level: level, "\(line)", metadata: metadata)
    }
}
