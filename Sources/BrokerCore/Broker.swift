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
    package let config: MQTTConfig
    package let logger: Logger
    /// Decides what clients may publish and subscribe to; nil allows everything.
    package var authorizer: (any Authorizer)?
    package internal(set) var sessions: [String: Session] = [:]
    /// Who subscribed to what, with which options: the one place subscriptions are kept.
    let subscriptions = SubscriptionTree<String>()
    var retained: [String: ApplicationMessage] = [:]
    /// The session of each connection that completed CONNECT.
    var links: [ConnectionID: Session] = [:]
    /// Connections whose outbound buffer is full (the transport says so).
    var unwritable: Set<ConnectionID> = []
    /// Publishers whose reading is paused because a subscriber is behind.
    var paused: Set<ConnectionID> = []
    var resumeArmed = false
    /// The longest a publisher is held back: a subscriber that stops reading must not stall
    /// publishers for long (then its queue takes the load, and drops, as in EMQX).
    static let maximumPause = TimeAmount.milliseconds(100)
    var assignedIDCounter = 0

    /// Counters for logs and the benchmark.
    package internal(set) var messagesReceived = 0
    package internal(set) var messagesDelivered = 0
    package internal(set) var messagesDropped = 0

    package init(config: MQTTConfig, logger: Logger, authorizer: (any Authorizer)? = nil) {
        self.config = config
        self.logger = logger
        self.authorizer = authorizer
    }

    package var sessionCount: Int { sessions.count }

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
        case .auth: fail(connection, .badAuthenticationMethod, "AUTH without an authentication method", actions: &actions)
        case .connect, .connack, .suback, .unsuback, .pingresp:
            fail(connection, .protocolError, "a client sent \(packet.name)", actions: &actions)
        }
    }

    /// The transport's outbound buffer for `connection` filled up, or drained.
    package mutating func writabilityChanged(_ connection: ConnectionID, isWritable: Bool, actions: inout BrokerActions) {
        if isWritable {
            unwritable.remove(connection)
            resumePublishers(actions: &actions)
        } else {
            unwritable.insert(connection)
        }
    }

    /// Ends a connection because of something it sent, with the reason 5.0 clients are told.
    mutating func fail(_ connection: ConnectionID, _ reason: ReasonCode, _ why: String, actions: inout BrokerActions) {
        logger.info("closing connection: \(why)", metadata: ["reason": "\(reason)"])
        actions.append(.close(connection, reason: reason))
    }

    // MARK: Routing

    /// Delivers `message` to every matching subscription; returns how many sessions got it.
    /// `publisher` is the connection it came from, which is paused if a subscriber falls behind.
    @discardableResult
    mutating func route(_ message: ApplicationMessage, from publisher: ConnectionID?, now: NIODeadline, actions: inout BrokerActions) -> Int
    {
        var targets: [String: (qos: QoS, retain: Bool, identifiers: [Int])] = [:]
        let config = self.config
        subscriptions.match(message.topic) { entry in
            let options = entry.options
            if (options.noLocal || config.ignoreLoopDeliver) && entry.subscriber == message.publisher { return }
            let qos = config.upgradeQoS ? max(message.qos, options.qos) : min(message.qos, options.qos)
            var target = targets[entry.subscriber] ?? (qos, false, [])
            target.qos = max(target.qos, qos)
            target.retain = target.retain || (options.retainAsPublished && message.retain)
            if let identifier = entry.subscriptionIdentifier { target.identifiers.append(identifier) }
            targets[entry.subscriber] = target
        }
        for (clientID, target) in targets {
            guard let session = sessions[clientID] else { continue }
            var copy = message
            copy.qos = target.qos
            copy.retain = target.retain
            deliver(copy, to: session, identifiers: target.identifiers, from: publisher, now: now, actions: &actions)
        }
        return targets.count
    }

    /// Sends now when the session is online and its window allows, else queues.
    mutating func deliver(
        _ message: ApplicationMessage, to session: Session, identifiers: [Int], from publisher: ConnectionID?, now: NIODeadline,
        actions: inout BrokerActions
    ) {
        if let expiresAt = message.expiresAt, expiresAt <= now { return }
        guard let connection = session.connection else {
            guard message.qos != .atMostOnce || config.mqueueStoreQoS0 else { return }
            enqueue(message, for: session)
            return
        }
        if message.qos == .atMostOnce {
            transmit(
                message, packetID: nil, identifiers: identifiers, duplicate: false, to: session, via: connection, now: now,
                actions: &actions)
            throttle(publisher, for: connection, now: now, actions: &actions)
            return
        }
        let window = min(session.clientReceiveMaximum, config.maxInflight)
        guard session.inflight.count < window else {
            enqueue(message, for: session)
            throttle(publisher, for: connection, windowFull: true, now: now, actions: &actions)
            return
        }
        let id = session.allocatePacketID()
        session.inflight[id] = Session.Outgoing(
            message: message, subscriptionIdentifiers: identifiers, state: message.qos == .atLeastOnce ? .awaitingPubAck : .awaitingPubRec,
            sentAt: now)
        session.inflightOrder.append(id)
        transmit(
            message, packetID: id, identifiers: identifiers, duplicate: false, to: session, via: connection, now: now, actions: &actions)
        throttle(publisher, for: connection, now: now, actions: &actions)
        armRetry(session, now: now, actions: &actions)
    }

    mutating func enqueue(_ message: ApplicationMessage, for session: Session) {
        if !session.queue.append(message) {
            messagesDropped += 1
            if session.queue.dropped.isPowerOfTwo {
                logger.warning(
                    "message queue full; dropped the oldest message",
                    metadata: ["client": "\(session.clientID)", "dropped": "\(session.queue.dropped)"])
            }
        }
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
            messagesDropped += 1
            if let packetID { _ = session.removeInflight(packetID) }
            return
        }
        messagesDelivered += 1
        actions.append(.send(.publish(packet), to: connection))
    }

    /// Flow control: when a subscriber falls behind (its window is full and messages queue,
    /// or its socket buffer is full), the publisher feeding it stops being read for a while,
    /// instead of the broker queueing (latency) and dropping (loss) without bound.
    mutating func throttle(
        _ publisher: ConnectionID?, for target: ConnectionID, windowFull: Bool = false, now: NIODeadline, actions: inout BrokerActions
    ) {
        guard let publisher, publisher != target, windowFull || unwritable.contains(target), !paused.contains(publisher) else { return }
        paused.insert(publisher)
        actions.append(.pauseReading(publisher))
        if !resumeArmed {
            resumeArmed = true
            actions.append(.schedule(.resumePublishers, at: now + Self.maximumPause))
        }
    }

    /// Lets paused publishers be read again (a subscriber caught up, or the pause timed out).
    mutating func resumePublishers(actions: inout BrokerActions) {
        guard !paused.isEmpty else { return }
        for publisher in paused { actions.append(.resumeReading(publisher)) }
        paused.removeAll(keepingCapacity: true)
    }

    /// Fills the session's window from its queue.
    mutating func drainQueue(_ session: Session, now: NIODeadline, actions: inout BrokerActions) {
        guard let connection = session.connection else { return }
        let window = min(session.clientReceiveMaximum, config.maxInflight)
        while session.inflight.count < window, let message = session.queue.popFirst() {
            if let expiresAt = message.expiresAt, expiresAt <= now { continue }
            if message.qos == .atMostOnce {
                transmit(
                    message, packetID: nil, identifiers: [], duplicate: false, to: session, via: connection, now: now, actions: &actions)
            } else {
                deliver(message, to: session, identifiers: [], from: nil, now: now, actions: &actions)
            }
        }
        if session.queue.isEmpty { resumePublishers(actions: &actions) }
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
