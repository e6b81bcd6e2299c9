package import ConfigModel
package import Logging
package import MQTTCore
package import NIOCore

/// The broker core: sessions, subscriptions, retained messages, routing and delivery, as a
/// state machine. Each call takes what happened (a packet from a connection, a closed
/// connection, a timer, the time now) and appends to `actions` what the transport must do;
/// it does no I/O and reads no clock, so tests drive it with no channel and no event loop.
///
/// One instance per `serve`, confined to one event loop, so none of its state needs a lock
/// (mosquitto's design, on SwiftNIO).
package struct Broker {
    /// The `mqtt {}` in force for new connections; each session keeps the limits of its
    /// CONNECT (`Session.limits`).
    package private(set) var config: MQTTConfig {
        didSet { limits = Shared(config) }
    }
    /// `config`, as sessions that connect now keep it.
    private(set) var limits: Shared<MQTTConfig>
    /// When a busy connection that holds too much is closed.
    package let forceShutdown: ForceShutdownConfig
    /// How retained messages are kept (`retainer`).
    package let retainer: RetainerConfig
    /// `session_persistence.enable`: sessions with an expiry interval are durable.
    package let sessionPersistence: Bool
    package let logger: Logger
    /// Decides what clients may publish and subscribe to; nil allows everything. Replace it
    /// with `replaceAuthorization`, which invalidates the sessions' caches.
    package private(set) var authorization: AuthorizationPolicy?
    /// Which policy the sessions' cached answers belong to.
    var authorizationGeneration = 0
    package internal(set) var sessions: [String: Session] = [:]
    /// Who subscribed to what, with which options: the one place subscriptions are kept.
    let subscriptions = SubscriptionTree<String>()
    var retained: [String: ApplicationMessage] = [:]
    /// The session of each connection that completed CONNECT.
    var links: [ConnectionID: Session] = [:]
    /// Connections whose unsent bytes are over tcp_options.high_watermark (the transport
    /// says so): busy, so their messages wait in their session's queue.
    var busy: Set<ConnectionID> = []
    var assignedIDCounter = 0

    /// Counters for logs and the benchmark.
    package internal(set) var messagesReceived = 0
    package internal(set) var messagesDelivered = 0
    /// Messages dropped, by reason; `messagesDropped` is their sum.
    package internal(set) var drops = Drops()
    /// Sessions with a connection (CONNECT accepted).
    package var connectedCount: Int { links.count }
    package var messagesDropped: Int { drops.queueFull + drops.qos0NotQueued + drops.tooLarge }
    /// One rate limit for the lines clients cause (refusals, violations, takeovers), so that
    /// a misbehaving fleet cannot flood the log.
    var connectionLog = LogRateLimiter()

    package struct Drops: Sendable, Equatable {
        /// The oldest message of a full queue (mqtt.max_mqueue_len).
        package var queueFull = 0
        /// QoS 0 for a busy or offline session, with mqtt.mqueue_store_qos0 off.
        package var qos0NotQueued = 0
        /// Larger than the client's Maximum Packet Size (5.0).
        package var tooLarge = 0
    }

    package init(
        config: MQTTConfig, forceShutdown: ForceShutdownConfig = ForceShutdownConfig(), retainer: RetainerConfig = RetainerConfig(),
        sessionPersistence: Bool = false, logger: Logger, authorization: AuthorizationPolicy? = nil
    ) {
        self.config = config
        self.limits = Shared(config)
        self.forceShutdown = forceShutdown
        self.retainer = retainer
        self.sessionPersistence = sessionPersistence
        self.logger = logger
        self.authorization = authorization
    }

    package var sessionCount: Int { sessions.count }

    /// A reload's `mqtt {}`: for CONNECTs from now on (sessions keep what they were told).
    package mutating func replaceConfig(_ config: MQTTConfig) {
        self.config = config
    }

    /// Swaps the authorization policy at once (a reload); answers cached under the old one are
    /// not used again.
    package mutating func replaceAuthorization(_ policy: AuthorizationPolicy?) {
        authorization = policy
        authorizationGeneration += 1
    }

    /// A packet from a connection that completed CONNECT (CONNECT itself goes to `connect`).
    package mutating func receive(_ packet: MQTTPacket, from connection: ConnectionID, now: NIODeadline, actions: inout BrokerActions) {
        guard let session = links[connection] else { return }
        switch packet {
        case .publish(let publish): self.publish(publish, from: session, on: connection, now: now, actions: &actions)
        case .puback, .pubrec, .pubrel, .pubcomp: acknowledge(packet, from: session, on: connection, now: now, actions: &actions)
        case .subscribe(let subscribe): self.subscribe(subscribe, from: session, on: connection, now: now, actions: &actions)
        case .unsubscribe(let unsubscribe): self.unsubscribe(unsubscribe, from: session, on: connection, actions: &actions)
        case .pingreq: actions.append(.send(.pingresp, to: connection))
        case .disconnect(let disconnect): self.disconnect(disconnect, from: connection, now: now, actions: &actions)
        case .auth: fail(connection, .badAuthenticationMethod, "AUTH without an authentication method", now: now, actions: &actions)
        case .connect, .connack, .suback, .unsuback, .pingresp:
            fail(connection, .protocolError, "a client sent \(packet.name)", now: now, actions: &actions)
        }
    }

    /// The transport's unsent bytes for `connection` went over tcp_options.high_watermark
    /// (busy), or back under half of it: then its queue drains.
    package mutating func writabilityChanged(_ connection: ConnectionID, isWritable: Bool, now: NIODeadline, actions: inout BrokerActions) {
        if isWritable {
            busy.remove(connection)
            if let session = links[connection] { drainQueue(session, now: now, actions: &actions) }
        } else {
            busy.insert(connection)
        }
    }

    /// Ends a connection because of something it sent, with the reason 5.0 clients are told.
    mutating func fail(_ connection: ConnectionID, _ reason: ReasonCode, _ why: String, now: NIODeadline, actions: inout BrokerActions) {
        log(.info, "closing the connection: \(why)", client: links[connection]?.clientID, now: now, ["reason": "\(reason)"])
        actions.append(.close(connection, reason: reason))
    }

    /// A line about one client, unless such lines are over their rate limit.
    mutating func log(_ level: Logger.Level, _ line: String, client: String?, now: NIODeadline, _ metadata: Logger.Metadata = [:]) {
        guard let dropped = connectionLog.admit(at: now) else { return }
        var metadata = metadata
        if let client { metadata["client"] = "\(client)" }
        logger.log(level: level, "\(LogRateLimiter.annotate(line, dropped: dropped))", metadata: metadata)
    }

    // MARK: Routing

    /// Delivers `message` to every matching subscription; returns how many sessions got it.
    /// A subscriber that falls behind costs its own queue, never the publisher's rate.
    @discardableResult
    mutating func route(_ message: ApplicationMessage, now: NIODeadline, actions: inout BrokerActions) -> Int {
        // One target per subscriber, however many of its filters match. Most messages have
        // one: it is kept aside, and a dictionary is made only for a second one.
        var first: Target?
        var more: [String: Target] = [:]
        let config = self.config
        subscriptions.match(message.topic) { entry in
            let options = entry.options
            if (options.noLocal || config.ignoreLoopDeliver) && entry.subscriber == message.publisher { return }
            let qos = config.upgradeQoS ? max(message.qos, options.qos) : min(message.qos, options.qos)
            let retain = options.retainAsPublished && message.retain
            if first == nil {
                first = Target(clientID: entry.subscriber, qos: qos, retain: retain)
                first!.add(entry.subscriptionIdentifier)
            } else if first!.clientID == entry.subscriber {
                first!.merge(qos: qos, retain: retain, identifier: entry.subscriptionIdentifier)
            } else {
                more[entry.subscriber, default: Target(clientID: entry.subscriber, qos: qos, retain: retain)]
                    .merge(qos: qos, retain: retain, identifier: entry.subscriptionIdentifier)
            }
        }
        guard let first else { return 0 }
        deliver(message, as: first, now: now, actions: &actions)
        for target in more.values { deliver(message, as: target, now: now, actions: &actions) }
        return 1 + more.count
    }

    /// What one subscriber gets of a message: the highest QoS and any retain flag of its
    /// matching subscriptions, and all their identifiers.
    struct Target {
        let clientID: String
        var qos: QoS
        var retain: Bool
        var identifiers: [Int] = []

        mutating func add(_ identifier: Int?) {
            if let identifier { identifiers.append(identifier) }
        }

        mutating func merge(qos: QoS, retain: Bool, identifier: Int?) {
            self.qos = max(self.qos, qos)
            self.retain = self.retain || retain
            add(identifier)
        }
    }

    private mutating func deliver(_ message: ApplicationMessage, as target: Target, now: NIODeadline, actions: inout BrokerActions) {
        guard let session = sessions[target.clientID] else { return }
        var copy = message
        copy.qos = target.qos
        copy.retain = target.retain
        deliver(copy, to: session, identifiers: target.identifiers, now: now, actions: &actions)
    }

    /// Sends now when the session is online, not busy, has nothing queued before it, and its
    /// window allows; else queues (QoS 0 only with mqueue_store_qos0).
    mutating func deliver(
        _ message: ApplicationMessage, to session: Session, identifiers: [Int], now: NIODeadline, actions: inout BrokerActions
    ) {
        if let expiresAt = message.expiresAt, expiresAt <= now { return }
        let sequence = session.sequence(for: message)
        if sequence != 0 {
            actions.append(
                .persist(.messageAdded(clientID: session.clientID, sequence: sequence, message, identifiers: identifiers)))
        }
        guard let connection = session.connection, !busy.contains(connection), session.queue.isEmpty else {
            return enqueue(message, identifiers: identifiers, sequence: sequence, for: session, now: now, actions: &actions)
        }
        send(message, identifiers: identifiers, sequence: sequence, to: session, via: connection, now: now, actions: &actions)
    }

    /// Sends one message to a connected session, in its inflight window; false when the window
    /// is full (nothing was sent).
    @discardableResult
    private mutating func send(
        _ message: ApplicationMessage, identifiers: [Int], sequence: UInt64, to session: Session, via connection: ConnectionID,
        now: NIODeadline, actions: inout BrokerActions
    ) -> Bool {
        if message.qos == .atMostOnce {
            transmit(
                message, packetID: nil, identifiers: identifiers, duplicate: false, to: session, via: connection, now: now,
                actions: &actions)
            return true
        }
        let window = min(session.clientReceiveMaximum, session.limits.value.maxInflight)
        guard session.inflight.count < window else {
            enqueue(message, identifiers: identifiers, sequence: sequence, for: session, now: now, actions: &actions)
            return false
        }
        let id = session.allocatePacketID()
        session.inflight[id] = Session.Outgoing(
            message: message, subscriptionIdentifiers: identifiers, state: message.qos == .atLeastOnce ? .awaitingPubAck : .awaitingPubRec,
            sentAt: now, sequence: sequence)
        session.inflightOrder.append(id)
        if sequence != 0 { actions.append(.persist(.messageSent(clientID: session.clientID, sequence: sequence, packetID: id))) }
        transmit(
            message, packetID: id, identifiers: identifiers, duplicate: false, to: session, via: connection, now: now, actions: &actions)
        armRetry(session, now: now, actions: &actions)
        return true
    }

    /// Queues a message for a session that cannot take it now: offline, busy, its window full,
    /// or older messages waiting (which keeps the order). `drainQueue` sends them on.
    mutating func enqueue(
        _ message: ApplicationMessage, identifiers: [Int], sequence: UInt64, for session: Session, now: NIODeadline,
        actions: inout BrokerActions
    ) {
        guard message.qos != .atMostOnce || session.limits.value.mqueueStoreQoS0 else {
            // QoS 0 is not kept for a busy or offline session unless mqueue_store_qos0.
            drops.qos0NotQueued += 1
            return
        }
        defer { shutDownIfOverfull(session, now: now, actions: &actions) }
        if let dropped = session.queue.append(message, identifiers: identifiers, sequence: sequence) {
            forget(dropped.sequence, of: session, actions: &actions)
            drops.queueFull += 1
            if session.queue.dropped.isPowerOfTwo {
                logger.warning(
                    "message queue full (mqtt.max_mqueue_len); dropped the oldest message",
                    metadata: ["client": "\(session.clientID)", "dropped": "\(session.queue.dropped)"])
            }
        }
    }

    /// force_shutdown: a busy connection whose queue passed max_mailbox_size messages or
    /// max_heap_size payload bytes is closed instead of holding more (its session stays, as
    /// an offline one, with its queue).
    private mutating func shutDownIfOverfull(_ session: Session, now: NIODeadline, actions: inout BrokerActions) {
        guard forceShutdown.enable, let connection = session.connection, busy.contains(connection) else { return }
        let limit: String
        if session.queue.count > forceShutdown.maxMailboxSize {
            limit = "\(session.queue.count) messages waiting, over force_shutdown.max_mailbox_size (\(forceShutdown.maxMailboxSize))"
        } else if session.queue.bytes > forceShutdown.maxHeapSize {
            limit = "\(session.queue.bytes) bytes waiting, over force_shutdown.max_heap_size (\(forceShutdown.maxHeapSize))"
        } else {
            return
        }
        log(.warning, "closing a connection that stopped reading: \(limit)", client: session.clientID, now: now)
        actions.append(.close(connection, reason: nil))
        connectionClosed(connection, now: now, actions: &actions)
    }

    /// Writes one PUBLISH, unless it has expired or is larger than the client accepts.
    mutating func transmit(
        _ message: ApplicationMessage, packetID: UInt16?, identifiers: [Int], duplicate: Bool, to session: Session,
        via connection: ConnectionID, now: NIODeadline, actions: inout BrokerActions
    ) {
        var properties = MQTTProperties()
        if session.protocolVersion.hasProperties {
            guard let outgoing = message.outgoingProperties(now: now) else { return }
            properties = outgoing
            properties.subscriptionIdentifiers = identifiers
        }
        let packet = PublishPacket(
            topicName: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, duplicate: duplicate,
            packetIdentifier: packetID, properties: properties
        )
        if let limit = session.clientMaximumPacketSize, packet.bodySize(version: session.protocolVersion) + 5 > limit {
            // 5.0 §3.1.2.11.4: a packet larger than the client's maximum is discarded.
            drops.tooLarge += 1
            if let packetID, let removed = session.removeInflight(packetID) { forget(removed.sequence, of: session, actions: &actions) }
            return
        }
        messagesDelivered += 1
        // A durable QoS 2 message's packet identifier must be on disk before the client sees
        // it: resent after a crash with another, it would be a second message to the client.
        if session.isDurable && message.qos == .exactlyOnce {
            actions.append(.sendCommitted(.publish(packet), to: connection))
        } else {
            actions.append(.send(.publish(packet), to: connection))
        }
    }

    /// A message a durable session no longer holds (acknowledged, dropped or expired).
    mutating func forget(_ sequence: UInt64, of session: Session, actions: inout BrokerActions) {
        guard sequence != 0, session.isDurable else { return }
        actions.append(.persist(.messageRemoved(clientID: session.clientID, sequence: sequence)))
    }

    /// Sends queued messages while the session is connected, not busy, and its window allows.
    /// A drain sends at most the whole queue (mqtt.max_mqueue_len messages), so what a busy
    /// connection holds stays bounded: its unsent bytes, plus its queue.
    mutating func drainQueue(_ session: Session, now: NIODeadline, actions: inout BrokerActions) {
        guard let connection = session.connection, !busy.contains(connection) else { return }
        while let entry = session.queue.first {
            if let expiresAt = entry.message.expiresAt, expiresAt <= now {
                _ = session.queue.popFirst()
                forget(entry.sequence, of: session, actions: &actions)
                continue
            }
            if entry.message.qos != .atMostOnce
                && session.inflight.count >= min(session.clientReceiveMaximum, session.limits.value.maxInflight)
            {
                return
            }
            _ = session.queue.popFirst()
            send(
                entry.message, identifiers: entry.identifiers, sequence: entry.sequence, to: session, via: connection, now: now,
                actions: &actions)
        }
    }

    mutating func nextAssignedClientID() -> String {
        assignedIDCounter += 1
        return "emqxctl-\(UInt32.random(in: 0...UInt32.max).hexString)-\(assignedIDCounter)"
    }
}

extension Int {
    var isPowerOfTwo: Bool { self > 0 && self & (self - 1) == 0 }
}

extension UInt32 {
    var hexString: String { String(self, radix: 16) }
}
