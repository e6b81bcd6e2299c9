import ConfigModel
import Logging
package import MQTTCore
package import NIOCore

extension Broker {
    /// What CONNECT came to: refused (CONNACK with the reason, then close, are in the
    /// actions), or accepted with the keep-alive the transport must enforce.
    package enum ConnectOutcome: Equatable, Sendable {
        case refused
        case accepted(clientID: String, keepAlive: UInt16)
    }

    /// CONNECT (§3.1.4), from a client the transport has admitted (and, later, authenticated):
    /// validate, take over or resume a session, answer CONNACK.
    package mutating func connect(
        _ packet: ConnectPacket, on connection: ConnectionID, client: AuthorizationClient? = nil, now: NIODeadline,
        actions: inout BrokerActions
    ) -> ConnectOutcome {
        let v5 = packet.protocolVersion.hasProperties
        var clientID = packet.clientIdentifier
        var assigned = false
        if clientID.isEmpty {
            guard packet.cleanStart || v5 else {
                return refuse(
                    connection, .clientIdentifierNotValid, "an empty client id needs clean session (3.1.1)", client: clientID, now: now,
                    actions: &actions)
            }
            clientID = nextAssignedClientID()
            assigned = true
        }
        guard clientID.utf8.count <= config.maxClientIDLength else {
            return refuse(
                connection, .clientIdentifierNotValid, "the client id is longer than mqtt.max_clientid_len (\(config.maxClientIDLength))",
                client: "", now: now, actions: &actions)
        }
        if let will = packet.will {
            if will.qos.rawValue > config.maxQoSAllowed {
                return refuse(
                    connection, .qosNotSupported, "the will's QoS \(will.qos.rawValue) is above mqtt.max_qos_allowed", client: clientID,
                    now: now, actions: &actions)
            }
            if will.retain && !config.retainAvailable {
                return refuse(
                    connection, .retainNotSupported, "a retained will, but mqtt.retain_available is false", client: clientID, now: now,
                    actions: &actions)
            }
        }

        let (session, sessionPresent) = takeOver(clientID, packet, now: now, actions: &actions)
        links[connection] = session
        session.connection = connection
        session.limits = limits
        var identity = client ?? AuthorizationClient(clientID: clientID)
        identity.clientID = clientID
        identity.username = packet.username
        session.client = identity
        session.will = packet.will.map(Shared.init)
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
        for change in settleDurability(session) { actions.append(.persist(change)) }
        // mqtt.server_keepalive overrides the client's keep-alive only where CONNACK can say so
        // (5.0's Server Keep Alive), as EMQX does: a 3.1.1 client that was never told would be
        // kept open, and its will held back, for longer than it asked.
        let serverKeepAlive = v5 ? config.serverKeepAlive.map { UInt16(clamping: $0) } : nil
        let keepAlive = serverKeepAlive ?? packet.keepAlive
        var properties = MQTTProperties()
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
        actions.append(
            .send(.connack(ConnAckPacket(sessionPresent: sessionPresent, reasonCode: .success, properties: properties)), to: connection))
        if sessionPresent { resume(session, on: connection, now: now, actions: &actions) }
        return .accepted(clientID: clientID, keepAlive: keepAlive)
    }

    /// The session for `clientID`: a new one, or the one it had, taken from any connection
    /// that still holds it (§3.1.4-3: that connection ends, with 0x8E for 5.0).
    private mutating func takeOver(
        _ clientID: String, _ packet: ConnectPacket, now: NIODeadline, actions: inout BrokerActions
    ) -> (Session, present: Bool) {
        let queueLimit = config.maxMqueueLength
        let fresh = { Session(clientID: clientID, protocolVersion: packet.protocolVersion, queueLimit: queueLimit) }
        guard let existing = sessions[clientID] else {
            let session = fresh()
            sessions[clientID] = session
            return (session, false)
        }
        if let old = existing.connection {
            existing.connection = nil
            links[old] = nil
            log(.info, "session taken over by a new connection", client: clientID, now: now)
            actions.append(.close(old, reason: .sessionTakenOver))
            publishWillNow(existing, now: now, actions: &actions)
        }
        // Its pending will and expiry timers no longer apply.
        existing.willGeneration += 1
        existing.expiryGeneration += 1
        guard !packet.cleanStart else {
            end(existing, actions: &actions)
            let session = fresh()
            sessions[clientID] = session
            return (session, false)
        }
        existing.protocolVersion = packet.protocolVersion
        return (existing, true)
    }

    /// A resumed session: unacknowledged messages again with DUP (§4.4), then the queue.
    private mutating func resume(_ session: Session, on connection: ConnectionID, now: NIODeadline, actions: inout BrokerActions) {
        for id in session.inflightOrder {
            guard let outgoing = session.inflight[id] else { continue }
            switch outgoing.state {
            case .awaitingPubAck, .awaitingPubRec:
                transmit(
                    outgoing.message, packetID: id, identifiers: outgoing.subscriptionIdentifiers, duplicate: true, to: session,
                    via: connection, now: now, actions: &actions)
            case .awaitingPubComp:
                actions.append(.send(.pubrel(PubAckPacket(packetIdentifier: id)), to: connection))
            }
        }
        drainQueue(session, now: now, actions: &actions)
        armRetry(session, now: now, actions: &actions)
    }

    private mutating func refuse(
        _ connection: ConnectionID, _ reason: ReasonCode, _ why: String, client: String, now: NIODeadline, actions: inout BrokerActions
    ) -> ConnectOutcome {
        log(.info, "refused CONNECT: \(why)", client: client.isEmpty ? nil : client, now: now, ["reason": "\(reason)"])
        actions.append(.send(.connack(ConnAckPacket(reasonCode: reason)), to: connection))
        actions.append(.close(connection, reason: nil))
        return .refused
    }

    /// DISCONNECT from the client (§3.14.4): the will is dropped unless it asked for it (0x04).
    mutating func disconnect(_ packet: DisconnectPacket, from connection: ConnectionID, now: NIODeadline, actions: inout BrokerActions) {
        guard let session = links[connection] else { return }
        if packet.reasonCode != .disconnectWithWillMessage { session.will = nil }
        if let expiry = packet.properties.sessionExpiryInterval, session.expiryInterval != 0 {
            session.expiryInterval = expiry
        }
        connectionClosed(connection, now: now, actions: &actions)
        actions.append(.close(connection, reason: nil))
    }

    /// The connection ended, cleanly or not: the will (after its delay), then the session's
    /// expiry. Nothing for a connection whose session was taken over.
    package mutating func connectionClosed(_ connection: ConnectionID, now: NIODeadline, actions: inout BrokerActions) {
        busy.remove(connection)
        guard let session = links.removeValue(forKey: connection), session.connection == connection else { return }
        session.connection = nil
        session.retryGeneration += 1
        session.retryArmed = false
        if let will = session.will?.value {
            let delay = min(UInt32(will.properties.willDelayInterval ?? 0), session.expiryInterval)
            if delay == 0 {
                publishWillNow(session, now: now, actions: &actions)
            } else {
                session.willGeneration += 1
                actions.append(
                    .schedule(.will(clientID: session.clientID, generation: session.willGeneration), at: now + .seconds(Int64(delay))))
            }
        }
        if session.expiryInterval == 0 {
            end(session, actions: &actions)
            return
        }
        if session.isDurable {
            actions.append(.persist(.sessionDisconnected(clientID: session.clientID, expiryInterval: session.expiryInterval)))
        }
        if session.expiryInterval != UInt32.max {
            session.expiryGeneration += 1
            actions.append(
                .schedule(
                    .sessionExpiry(clientID: session.clientID, generation: session.expiryGeneration),
                    at: now + .seconds(Int64(session.expiryInterval))))
        }
    }

    mutating func publishWillNow(_ session: Session, now: NIODeadline, actions: inout BrokerActions) {
        guard let will = session.will?.value else { return }
        session.will = nil
        session.willGeneration += 1
        // A will goes out only where its client may publish (deny_action does not apply).
        guard authorize(session, .publish(will.qos, retain: will.retain), will.topic, now: now) else { return }
        var properties = will.properties
        properties.willDelayInterval = nil
        let expiresAt = properties.messageExpiryInterval.map { now + .seconds(Int64($0)) }
        let message = ApplicationMessage(
            topic: will.topic, payload: ByteBuffer(bytes: will.payload), qos: will.qos, retain: will.retain, properties: properties,
            publisher: session.clientID, expiresAt: expiresAt
        )
        if message.retain { retain(message, now: now, actions: &actions) }
        route(message, now: now, actions: &actions)
    }

    /// Removes a session and its subscriptions (from the state store too, if it was there).
    mutating func end(_ session: Session, actions: inout BrokerActions) {
        if session.isDurable {
            session.isDurable = false
            actions.append(.persist(.sessionEnded(clientID: session.clientID)))
        }
        for filter in session.filters {
            if let parsed = try? SubscriptionTree<String>.ParsedFilter(filter) { subscriptions.unsubscribe(session.clientID, parsed) }
        }
        session.filters.removeAll()
        session.queue.removeAll()
        session.expiryGeneration += 1
        session.retryGeneration += 1
        if sessions[session.clientID] === session { sessions[session.clientID] = nil }
    }
}
