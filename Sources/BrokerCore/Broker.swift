public import ConfigModel
public import Logging
package import MQTTCore
public import NIOCore

/// The broker: sessions, subscriptions, retained messages, routing. One instance per
/// `serve`, confined to a single event loop, so none of its state needs a lock (mosquitto's
/// design, on SwiftNIO).
public final class Broker {
    package let config: MQTTConfig
    let eventLoop: any EventLoop
    package let logger: Logger
    package var sessions: [String: Session] = [:]
    let subscriptions = SubscriptionTree<String>()
    var retained: [String: ApplicationMessage] = [:]
    /// Connections written to during the current input batch, flushed once at its end.
    private var pendingFlush: [ObjectIdentifier: any MQTTConnection] = [:]
    /// The connection whose PUBLISH is being routed, so a slow subscriber can slow it down.
    package var currentPublisher: (any MQTTConnection)?
    /// Publishers whose reading is paused because a subscriber is behind.
    private var paused: [ObjectIdentifier: any MQTTConnection] = [:]
    private var resumeTask: Scheduled<Void>?
    /// The longest a publisher is held back: a subscriber that stops reading must not stall
    /// publishers for long (then its queue takes the load, and drops, as in EMQX).
    static let maximumPause = TimeAmount.milliseconds(100)
    private var assignedIDCounter = 0

    /// Counters for logs and the benchmark.
    public internal(set) var messagesReceived = 0
    public internal(set) var messagesDelivered = 0
    public internal(set) var messagesDropped = 0

    public init(config: MQTTConfig, eventLoop: any EventLoop, logger: Logger) {
        self.config = config
        self.eventLoop = eventLoop
        self.logger = logger
    }

    public var sessionCount: Int { sessions.count }

    // MARK: Sending

    package func send(_ packet: MQTTPacket, to connection: any MQTTConnection) {
        connection.send(packet)
        pendingFlush[ObjectIdentifier(connection)] = connection
    }

    /// Flushes every connection written to since the last call.
    package func flushPending() {
        guard !pendingFlush.isEmpty else { return }
        for connection in pendingFlush.values { connection.flush() }
        pendingFlush.removeAll(keepingCapacity: true)
    }

    /// Ends a connection because of something it sent, with the reason 5.0 clients are told.
    package func fail(_ connection: any MQTTConnection, _ reason: ReasonCode, _ why: String) {
        logger.info("closing connection: \(why)", metadata: ["reason": "\(reason)"])
        pendingFlush[ObjectIdentifier(connection)] = nil
        connection.close(reason: reason)
    }

    // MARK: Routing

    /// Delivers `message` to every matching subscription; returns how many sessions got it.
    @discardableResult
    func route(_ message: ApplicationMessage) -> Int {
        var targets: [String: (qos: QoS, retain: Bool, identifiers: [Int])] = [:]
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
            deliver(copy, to: session, identifiers: target.identifiers)
        }
        return targets.count
    }

    /// Sends now when the session is online and its window allows, else queues.
    func deliver(_ message: ApplicationMessage, to session: Session, identifiers: [Int]) {
        if let expiresAt = message.expiresAt, expiresAt <= eventLoop.now { return }
        guard let connection = session.connection else {
            guard message.qos != .atMostOnce || config.mqueueStoreQoS0 else { return }
            enqueue(message, for: session)
            return
        }
        if message.qos == .atMostOnce {
            transmit(message, packetID: nil, identifiers: identifiers, duplicate: false, to: session, via: connection)
            return
        }
        let window = min(session.clientReceiveMaximum, config.maxInflight)
        guard session.inflight.count < window else {
            enqueue(message, for: session)
            throttlePublisher(for: connection)
            return
        }
        let id = session.allocatePacketID()
        session.inflight[id] = Session.Outgoing(
            message: message, subscriptionIdentifiers: identifiers, state: message.qos == .atLeastOnce ? .awaitingPubAck : .awaitingPubRec,
            sentAt: eventLoop.now)
        session.inflightOrder.append(id)
        transmit(message, packetID: id, identifiers: identifiers, duplicate: false, to: session, via: connection)
        armRetry(session)
    }

    /// 3.1.1 only: resend what is still unacknowledged after mqtt.retry_interval, with DUP.
    /// (5.0 §4.4 forbids resending except on reconnect, which `resume` does for both.)
    func armRetry(_ session: Session) {
        guard session.retryTask == nil, !session.protocolVersion.hasProperties, config.retryInterval.milliseconds > 0 else { return }
        let interval = TimeAmount.milliseconds(config.retryInterval.milliseconds)
        let bound = NIOLoopBound((broker: self, session: session), eventLoop: eventLoop)
        session.retryTask = eventLoop.scheduleTask(in: interval) {
            let (broker, session) = bound.value
            session.retryTask = nil
            guard let connection = session.connection, !session.inflight.isEmpty else { return }
            let due = broker.eventLoop.now - interval
            for id in session.inflightOrder {
                guard var outgoing = session.inflight[id], outgoing.sentAt <= due else { continue }
                outgoing.sentAt = broker.eventLoop.now
                session.inflight[id] = outgoing
                if outgoing.state == .awaitingPubComp {
                    broker.send(.pubrel(PubAckPacket(packetIdentifier: id)), to: connection)
                } else {
                    broker.transmit(outgoing.message, packetID: id, identifiers: [], duplicate: true, to: session, via: connection)
                }
            }
            broker.flushPending()
            broker.armRetry(session)
        }
    }

    private func enqueue(_ message: ApplicationMessage, for session: Session) {
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
    func transmit(
        _ message: ApplicationMessage, packetID: UInt16?, identifiers: [Int], duplicate: Bool, to session: Session,
        via connection: any MQTTConnection
    ) {
        var properties = MQTTProperties()
        if session.protocolVersion.hasProperties {
            guard let outgoing = message.outgoingProperties(now: eventLoop.now) else { return }
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
        send(.publish(packet), to: connection)
        if !connection.isWritable { throttlePublisher(for: connection) }
    }

    /// Flow control: when a subscriber falls behind (its window is full and messages queue,
    /// or its socket buffer is full), the publisher feeding it stops being read for a while,
    /// instead of the broker queueing (latency) and dropping (loss) without bound.
    func throttlePublisher(for target: any MQTTConnection) {
        guard let publisher = currentPublisher, publisher !== target else { return }
        let key = ObjectIdentifier(publisher)
        guard paused[key] == nil else { return }
        paused[key] = publisher
        publisher.pauseReading()
        if resumeTask == nil {
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            resumeTask = eventLoop.scheduleTask(in: Self.maximumPause) { bound.value.resumePublishers() }
        }
    }

    /// Lets paused publishers be read again (a subscriber caught up, or the pause timed out).
    package func resumePublishers() {
        resumeTask?.cancel()
        resumeTask = nil
        guard !paused.isEmpty else { return }
        let resumed = paused.values
        paused.removeAll(keepingCapacity: true)
        for publisher in resumed { publisher.resumeReading() }
    }

    /// Fills the session's window from its queue.
    func drainQueue(_ session: Session) {
        guard let connection = session.connection else { return }
        let window = min(session.clientReceiveMaximum, config.maxInflight)
        defer { if session.queue.isEmpty { resumePublishers() } }
        while session.inflight.count < window, let message = session.queue.popFirst() {
            if let expiresAt = message.expiresAt, expiresAt <= eventLoop.now { continue }
            if message.qos == .atMostOnce {
                transmit(message, packetID: nil, identifiers: [], duplicate: false, to: session, via: connection)
            } else {
                deliver(message, to: session, identifiers: [])
            }
        }
    }

    func nextAssignedClientID() -> String {
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
