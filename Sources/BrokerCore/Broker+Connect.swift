import ConfigModel
import Logging
package import MQTTCore
import NIOCore

extension Broker {
    /// Outcome of CONNECT: the session to bind the connection to, and the keep-alive to enforce.
    package struct Accepted {
        package let session: Session
        package let keepAlive: UInt16
    }

    /// CONNECT (§3.1.4): validate, take over or resume a session, answer CONNACK.
    package func connect(_ packet: ConnectPacket, on connection: any MQTTConnection) -> Accepted? {
        let v5 = packet.protocolVersion.hasProperties
        var clientID = packet.clientIdentifier
        var assigned = false
        if clientID.isEmpty {
            guard packet.cleanStart || v5 else {
                reject(connection, .clientIdentifierNotValid, "an empty client id needs clean session (3.1.1)")
                return nil
            }
            clientID = nextAssignedClientID()
            assigned = true
        }
        guard clientID.utf8.count <= config.maxClientIDLength else {
            reject(
                connection, .clientIdentifierNotValid, "the client id is longer than mqtt.max_clientid_len (\(config.maxClientIDLength))")
            return nil
        }
        if let will = packet.will {
            if will.qos.rawValue > config.maxQoSAllowed {
                reject(connection, .qosNotSupported, "the will's QoS \(will.qos.rawValue) is above mqtt.max_qos_allowed")
                return nil
            }
            if will.retain && !config.retainAvailable {
                reject(connection, .retainNotSupported, "a retained will, but mqtt.retain_available is false")
                return nil
            }
        }

        var sessionPresent = false
        let session: Session
        if let existing = sessions[clientID] {
            if let old = existing.connection {
                // Session takeover (§3.1.4-3): the old connection ends, with 0x8E for 5.0.
                existing.connection = nil
                logger.info("session taken over", metadata: ["client": "\(clientID)"])
                old.close(reason: .sessionTakenOver)
                publishWillNow(existing)
            }
            existing.willTask?.cancel()
            existing.willTask = nil
            existing.expiryTask?.cancel()
            existing.expiryTask = nil
            if packet.cleanStart {
                end(existing)
                session = Session(clientID: clientID, protocolVersion: packet.protocolVersion, queueLimit: config.maxMqueueLength)
            } else {
                session = existing
                session.protocolVersion = packet.protocolVersion
                sessionPresent = true
            }
        } else {
            session = Session(clientID: clientID, protocolVersion: packet.protocolVersion, queueLimit: config.maxMqueueLength)
        }
        sessions[clientID] = session
        session.connection = connection
        session.will = packet.will
        session.inboundAliases = [:]
        let ceiling = UInt32(clamping: config.sessionExpiryInterval.milliseconds / 1000)
        if v5 {
            session.expiryInterval = min(packet.properties.sessionExpiryInterval ?? 0, ceiling)
            session.clientReceiveMaximum = Int(packet.properties.receiveMaximum ?? 65535)
            session.clientMaximumPacketSize = packet.properties.maximumPacketSize.map(Int.init)
        } else {
            session.expiryInterval = packet.cleanStart ? 0 : ceiling
            session.clientReceiveMaximum = 65535
            session.clientMaximumPacketSize = nil
        }

        var properties = MQTTProperties()
        // mqtt.server_keepalive overrides the client's keep-alive only where CONNACK can say so
        // (5.0's Server Keep Alive), as EMQX does: a 3.1.1 client that was never told would be
        // kept open, and its will held back, for longer than it asked.
        let serverKeepAlive = v5 ? config.serverKeepAlive.map { UInt16(clamping: $0) } : nil
        let keepAlive = serverKeepAlive ?? packet.keepAlive
        if v5 {
            properties.receiveMaximum = UInt16(clamping: config.maxInflight)
            properties.maximumPacketSize = UInt32(clamping: config.maxPacketSize)
            properties.topicAliasMaximum = UInt16(clamping: config.maxTopicAlias)
            if config.maxQoSAllowed < 2 { properties.maximumQoS = UInt8(config.maxQoSAllowed) }
            if !config.retainAvailable { properties.retainAvailable = 0 }
            if !config.wildcardSubscription { properties.wildcardSubscriptionAvailable = 0 }
            if !config.sharedSubscription { properties.sharedSubscriptionAvailable = 0 }
            if assigned { properties.assignedClientIdentifier = clientID }
            properties.serverKeepAlive = serverKeepAlive
            if (packet.properties.sessionExpiryInterval ?? 0) > ceiling { properties.sessionExpiryInterval = ceiling }
        }
        send(.connack(ConnAckPacket(sessionPresent: sessionPresent, reasonCode: .success, properties: properties)), to: connection)
        if sessionPresent { resume(session, on: connection) }
        return Accepted(session: session, keepAlive: keepAlive)
    }

    /// A resumed session: unacknowledged messages again with DUP (§4.4), then the queue.
    private func resume(_ session: Session, on connection: any MQTTConnection) {
        defer { armRetry(session) }
        for id in session.inflightOrder {
            guard let outgoing = session.inflight[id] else { continue }
            switch outgoing.state {
            case .awaitingPubAck, .awaitingPubRec:
                transmit(
                    outgoing.message, packetID: id, identifiers: outgoing.subscriptionIdentifiers, duplicate: true, to: session,
                    via: connection)
            case .awaitingPubComp:
                send(.pubrel(PubAckPacket(packetIdentifier: id)), to: connection)
            }
        }
        drainQueue(session)
    }

    private func reject(_ connection: any MQTTConnection, _ reason: ReasonCode, _ why: String) {
        logger.info("refused CONNECT: \(why)", metadata: ["reason": "\(reason)"])
        send(.connack(ConnAckPacket(reasonCode: reason)), to: connection)
        flushPending()
        connection.close(reason: nil)
    }

    /// DISCONNECT from the client (§3.14.4): the will is dropped unless it asked for it (0x04).
    package func disconnect(_ session: Session, _ packet: DisconnectPacket, connection: any MQTTConnection) {
        if packet.reasonCode != .disconnectWithWillMessage { session.will = nil }
        if let expiry = packet.properties.sessionExpiryInterval, session.expiryInterval != 0 {
            session.expiryInterval = expiry
        }
        connectionLost(session, connection: connection)
    }

    /// The connection ended, cleanly or not: the will (after its delay), then the session's
    /// expiry.
    package func connectionLost(_ session: Session, connection: any MQTTConnection) {
        guard session.connection === connection else { return }  // taken over already
        session.connection = nil
        session.retryTask?.cancel()
        session.retryTask = nil
        resumePublishers()
        if let will = session.will {
            let delay = min(UInt32(will.properties.willDelayInterval ?? 0), session.expiryInterval)
            if delay == 0 {
                publishWillNow(session)
            } else {
                let bound = NIOLoopBound((broker: self, session: session), eventLoop: eventLoop)
                session.willTask = eventLoop.scheduleTask(in: .seconds(Int64(delay))) {
                    let (broker, session) = bound.value
                    broker.publishWillNow(session)
                    broker.flushPending()
                }
            }
        }
        if session.expiryInterval == 0 {
            end(session)
        } else if session.expiryInterval != UInt32.max {
            let bound = NIOLoopBound((broker: self, session: session), eventLoop: eventLoop)
            session.expiryTask = eventLoop.scheduleTask(in: .seconds(Int64(session.expiryInterval))) {
                let (broker, session) = bound.value
                guard session.connection == nil else { return }
                broker.publishWillNow(session)
                broker.end(session)
                broker.flushPending()
            }
        }
    }

    func publishWillNow(_ session: Session) {
        guard let will = session.will else { return }
        session.will = nil
        session.willTask?.cancel()
        session.willTask = nil
        var properties = will.properties
        properties.willDelayInterval = nil
        let expiresAt = properties.messageExpiryInterval.map { eventLoop.now + .seconds(Int64($0)) }
        let message = ApplicationMessage(
            topic: will.topic, payload: ByteBuffer(bytes: will.payload), qos: will.qos, retain: will.retain, properties: properties,
            publisher: session.clientID, expiresAt: expiresAt
        )
        if message.retain { retain(message) }
        route(message)
    }

    /// Removes a session and its subscriptions.
    func end(_ session: Session) {
        for filter in session.subscriptions.keys {
            if let parsed = try? SubscriptionTree<String>.ParsedFilter(filter) { subscriptions.unsubscribe(session.clientID, parsed) }
        }
        session.subscriptions.removeAll()
        session.queue.removeAll()
        session.expiryTask?.cancel()
        session.retryTask?.cancel()
        if sessions[session.clientID] === session { sessions[session.clientID] = nil }
    }
}
