import BrokerCore
import BrokerTLS
import ConfigModel
import Logging
import NIOCore

/// A listener as the connections of one event loop see it: the settings new connections get
/// (TLS context, access_rules, send_timeout, websocket, authentication; a reload replaces them
/// on every loop), this loop's counters (handshakes, bytes), and the `ListenerAdmission` every
/// loop shares. Confined to its loop.
final class ListenerState {
    let id: String
    /// max_connections and max_conn_rate, across every loop.
    let admission: ListenerAdmission
    /// The TLS context new connections get; a reload swaps it, connections already open keep
    /// theirs.
    var tls: TLSContext?
    private(set) var accessRules: [AccessRule]
    /// How long a connection may go without being able to send (tcp_options.send_timeout).
    private(set) var sendTimeout: TimeAmount
    /// ws and wss: the `websocket` block new connections are upgraded by.
    private(set) var websocket: WebSocketConfig?
    /// Who a CONNECT is; nothing to do without a chain or identity rules.
    var authentication: ListenerAuthentication
    /// TLS handshakes completed on this loop, and refused by cause.
    private(set) var handshakes = 0
    private(set) var handshakeFailures = HandshakeFailureCounts()
    /// Bytes read from and written to this loop's connections (after TLS: MQTT bytes).
    var bytesReceived = 0
    var bytesSent = 0
    let logger: Logger

    init(
        id: String, admission: ListenerAdmission, accessRules: [AccessRule] = [], sendTimeout: TimeAmount = .seconds(15),
        authentication: ListenerAuthentication = .none, logger: Logger = Logger(label: "emqxctl.broker")
    ) {
        self.admission = admission
        self.authentication = authentication
        self.id = id
        self.logger = logger
        self.accessRules = Self.effective(accessRules)
        self.sendTimeout = sendTimeout
    }

    /// A listener of its own (tests: one loop).
    convenience init(
        id: String, maxConnections: Int? = nil, maxConnectionRate: ConnectionRate? = nil, accessRules: [AccessRule] = [],
        sendTimeout: TimeAmount = .seconds(15), authentication: ListenerAuthentication = .none,
        logger: Logger = Logger(label: "emqxctl.broker")
    ) {
        self.init(
            id: id, admission: ListenerAdmission(maxConnections: maxConnections, maxConnectionRate: maxConnectionRate),
            accessRules: accessRules, sendTimeout: sendTimeout, authentication: authentication, logger: logger)
    }

    convenience init(_ listener: ListenerConfig, admission: ListenerAdmission, authentication: ListenerAuthentication, logger: Logger) {
        self.init(
            id: listener.id, admission: admission, accessRules: listener.accessRules,
            sendTimeout: .milliseconds(listener.tcpOptions.sendTimeout.milliseconds), authentication: authentication, logger: logger)
        websocket = listener.websocket
    }

    /// A reload's new access_rules, send_timeout and websocket block, for connections accepted
    /// from now on (the limits are the admission's).
    func apply(_ listener: ListenerConfig) {
        websocket = listener.websocket
        accessRules = Self.effective(listener.accessRules)
        sendTimeout = .milliseconds(listener.tcpOptions.sendTimeout.milliseconds)
    }

    /// The default `allow all` decides nothing: no rule to walk per connection.
    private static func effective(_ rules: [AccessRule]) -> [AccessRule] {
        rules.allSatisfy { $0.action == .allow && $0.network == nil } ? [] : rules
    }

    enum Admission {
        case admitted
        /// A rule of access_rules denies the peer's address.
        case denied(AccessRule)
        case overCapacity(shed: Int)
        /// Over max_conn_rate.
        case overRate(shed: Int)
    }

    /// Whether a new connection from `peer` may stay: access_rules first (EMQX checks them at
    /// accept), then max_connections, then max_conn_rate. An admitted connection counts until `leave()`.
    func admit(_ peer: SocketAddress?, now: NIODeadline) -> Admission {
        if !accessRules.isEmpty, let rule = accessRules.denying(peer?.addressBytes ?? []) {
            admission.denied()
            return .denied(rule)
        }
        switch admission.admit(now: now) {
        case .admitted: return .admitted
        case .overCapacity(let shed): return .overCapacity(shed: shed)
        case .overRate(let shed): return .overRate(shed: shed)
        }
    }

    /// `admit`, with the refusal logged (rate-limited) in the words each reason deserves.
    func admitLogging(_ peer: SocketAddress?, now: NIODeadline) -> Bool {
        switch admit(peer, now: now) {
        case .admitted:
            return true
        case .denied(let rule):
            // Before any byte is read (and before TLS): closed at once, as EMQX does.
            logFailure("connection refused on \(id) by its access rule \"\(rule)\"", peer: peer)
        case .overCapacity(let shed):
            // Over max_connections: closed at once, as EMQX does (no CONNACK).
            logFailure(
                "connection refused: \(id) is at max_connections (\(admission.maxConnections ?? 0)); \(shed) shed so far", peer: peer)
        case .overRate(let shed):
            // Over max_conn_rate: closed before any TLS work, so a storm costs accepts only.
            logFailure("connection refused: \(id) is over max_conn_rate; \(shed) shed so far", peer: peer)
        }
        return false
    }

    func leave() { admission.leave() }

    /// This loop's counters, for a snapshot to sum.
    struct Traffic: Sendable {
        var handshakes = 0
        var handshakeFailures = HandshakeFailureCounts()
        var bytesReceived = 0
        var bytesSent = 0

        mutating func add(_ other: Traffic) {
            handshakes += other.handshakes
            handshakeFailures.add(other.handshakeFailures)
            bytesReceived &+= other.bytesReceived
            bytesSent &+= other.bytesSent
        }
    }

    var traffic: Traffic {
        Traffic(handshakes: handshakes, handshakeFailures: handshakeFailures, bytesReceived: bytesReceived, bytesSent: bytesSent)
    }

    /// Open connections on every loop.
    var connections: Int { admission.counts.connections }

    /// `line` to log for a failed connection, or nil while this listener's failures are
    /// over their rate limit.
    func failureLine(_ line: String, at now: NIODeadline = .now()) -> String? {
        admission.failureLine(line, at: now)
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
