import ConfigModel
import Logging
import MQTTCore
import NIOCore

extension Broker {
    /// An inbound PUBLISH (§3.3.4): checks, topic alias, retain, routing, acknowledgement.
    mutating func publish(
        _ packet: PublishPacket, from session: Session, on connection: ConnectionID, now: NIODeadline, actions: inout BrokerActions
    ) {
        messagesReceived += 1
        var topic = packet.topicName
        if let alias = packet.properties.topicAlias {
            guard Int(alias) <= session.limits.value.maxTopicAlias else {
                return fail(
                    connection, .topicAliasInvalid, "topic alias \(alias) is above mqtt.max_topic_alias", now: now, actions: &actions)
            }
            if topic.isEmpty {
                guard let known = session.inboundAliases[alias] else {
                    return fail(connection, .protocolError, "topic alias \(alias) was never set", now: now, actions: &actions)
                }
                topic = known
            } else {
                session.inboundAliases[alias] = topic
            }
        }
        guard topic.utf8.count(where: { $0 == UInt8(ascii: "/") }) < session.limits.value.maxTopicLevels else {
            return fail(connection, .topicNameInvalid, "the topic has more than mqtt.max_topic_levels levels", now: now, actions: &actions)
        }
        guard packet.qos.rawValue <= session.limits.value.maxQoSAllowed else {
            return fail(
                connection, .qosNotSupported, "QoS \(packet.qos.rawValue) is above mqtt.max_qos_allowed", now: now, actions: &actions)
        }
        guard !packet.retain || session.limits.value.retainAvailable else {
            return fail(
                connection, .retainNotSupported, "a retained message, but mqtt.retain_available is false", now: now, actions: &actions)
        }
        if session.limits.value.strictMode, packet.properties.payloadFormatIndicator == 1,
            packet.payload.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) }) == nil
        {
            return fail(connection, .payloadFormatInvalid, "the payload is marked UTF-8 but is not", now: now, actions: &actions)
        }
        if packet.qos == .exactlyOnce, let id = packet.packetIdentifier {
            if session.awaitingRelease[id] != nil {
                // A retransmission of a message already routed: acknowledge again only.
                return actions.append(.send(.pubrec(PubAckPacket(packetIdentifier: id)), to: connection))
            }
            // 5.0 §3.3.4: a client may leave at most Receive Maximum (mqtt.max_inflight, as
            // CONNACK advertised) QoS 2 messages unreleased; mqtt.max_awaiting_rel bounds 3.1.1
            // clients, and 5.0 ones below it.
            let receiveMaximum = session.protocolVersion.hasProperties ? session.limits.value.maxInflight : Int.max
            let quota = session.limits.value.maxAwaitingRel > 0 ? session.limits.value.maxAwaitingRel : Int.max
            if session.awaitingRelease.count >= min(receiveMaximum, quota) {
                // Forget releases the client never sent within mqtt.await_rel_timeout.
                let cutoff = now - .milliseconds(session.limits.value.awaitRelTimeout.milliseconds)
                for (stale, arrived) in session.awaitingRelease where arrived <= cutoff {
                    session.awaitingRelease[stale] = nil
                    if session.isDurable { actions.append(.persist(.releaseCompleted(clientID: session.clientID, packetID: stale))) }
                }
            }
            if session.awaitingRelease.count >= receiveMaximum {
                return fail(
                    connection, .receiveMaximumExceeded, "more than Receive Maximum (\(receiveMaximum)) QoS 2 messages awaiting PUBREL",
                    now: now, actions: &actions)
            }
            if session.awaitingRelease.count >= quota {
                let reason: ReasonCode = session.protocolVersion.hasProperties ? .quotaExceeded : .success
                return actions.append(.send(.pubrec(PubAckPacket(packetIdentifier: id, reasonCode: reason)), to: connection))
            }
        }

        var properties = packet.properties
        properties.topicAlias = nil
        let expiresAt = properties.messageExpiryInterval.map { now + .seconds(Int64($0)) }
        properties.messageExpiryInterval = nil
        let message = ApplicationMessage(
            topic: topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, properties: properties,
            publisher: session.clientID, expiresAt: expiresAt
        )
        if !authorize(session, .publish(packet.qos, retain: packet.retain), topic, now: now) {
            if authorization?.denyAction == .disconnect {
                return actions.append(.close(connection, reason: .notAuthorized))
            }
            // 0x87 for 5.0; 3.1.1 has no such code, so it gets a plain ack and the message is
            // dropped, as EMQX does.
            let reason: ReasonCode = session.protocolVersion.hasProperties ? .notAuthorized : .success
            return acknowledge(packet, reason, from: session, on: connection, now: now, actions: &actions)
        }
        let persistedBefore = actions.persisted
        if packet.retain { retain(message, now: now, actions: &actions) }
        // retainer.stop_publish_clear_msg: a message that clears a retained one goes no further.
        let clears = packet.retain && packet.payload.readableBytes == 0 && retainer.stopPublishClearMsg
        let delivered = clears ? 0 : route(message, now: now, actions: &actions)
        let reason: ReasonCode = delivered == 0 && session.protocolVersion.hasProperties ? .noMatchingSubscribers : .success
        // Acknowledged only once what it changed on disk is committed.
        let durable = actions.persisted != persistedBefore
        acknowledge(packet, reason, from: session, on: connection, durable: durable, now: now, actions: &actions)
    }

    /// PUBACK or PUBREC for an inbound QoS 1 or 2 PUBLISH.
    private func acknowledge(
        _ packet: PublishPacket, _ reason: ReasonCode, from session: Session, on connection: ConnectionID, durable: Bool = false,
        now: NIODeadline, actions: inout BrokerActions
    ) {
        guard let id = packet.packetIdentifier else { return }
        switch packet.qos {
        case .atMostOnce: break
        case .atLeastOnce:
            let ack = MQTTPacket.puback(PubAckPacket(packetIdentifier: id, reasonCode: reason))
            actions.append(durable ? .sendCommitted(ack, to: connection) : .send(ack, to: connection))
        case .exactlyOnce:
            // A refused message is not awaiting release: its PUBREC carries an error (5.0).
            var durable = durable
            if !reason.isError {
                session.awaitingRelease[id] = now
                if session.isDurable {
                    actions.append(.persist(.releaseAwaited(clientID: session.clientID, packetID: id)))
                    durable = true
                }
            }
            let ack = MQTTPacket.pubrec(PubAckPacket(packetIdentifier: id, reasonCode: reason))
            actions.append(durable ? .sendCommitted(ack, to: connection) : .send(ack, to: connection))
        }
    }

    /// Whether the session's client may do `action` on `topic` (without `$share/group/`):
    /// superusers may; else the cached answer, or the authorizer's. A denial is logged
    /// (rate-limited) with the rule that decided.
    mutating func authorize(_ session: Session, _ action: AuthorizationRequest.Action, _ topic: String, now: NIODeadline) -> Bool {
        guard let policy = authorization, !session.client.isSuperuser else { return true }
        let key = AuthorizationCache.Key(action: action, topic: topic)
        let cacheable = policy.cacheEnabled && !policy.cacheExcludes.contains { $0.matches(topic) }
        if cacheable,
            let allowed = session.authorizationCache.lookup(key, now: now, ttl: policy.cacheTTL, generation: authorizationGeneration)
        {
            return allowed
        }
        let decision = policy.authorizer.authorize(AuthorizationRequest(client: session.client, action: action, topic: topic))
        if cacheable {
            session.authorizationCache.store(
                key, allowed: decision.allowed, now: now, capacity: policy.cacheSize, generation: authorizationGeneration)
        }
        if !decision.allowed {
            log(.info, "not authorized: \(action.logDescription) \(topic) (\(decision.explanation))", client: session.clientID, now: now)
        }
        return decision.allowed
    }

    /// Stores or clears (empty payload) the retained message of a topic (§3.3.1.3), within
    /// `retainer`: not when it is off, nor past its payload size or message count; kept for
    /// `msg_expiry_interval` unless the message says otherwise; on disc when so configured.
    mutating func retain(_ message: ApplicationMessage, now: NIODeadline? = nil, actions: inout BrokerActions) {
        guard retainer.enable else { return }
        if message.payload.readableBytes == 0 {
            guard retained.removeValue(forKey: message.topic) != nil else { return }
            if retainer.storageType == .disc { actions.append(.persist(.retained(topic: message.topic, nil))) }
            return
        }
        guard message.payload.readableBytes <= retainer.maxPayloadSize else { return }
        if retainer.maxRetainedMessages > 0, retained.count >= retainer.maxRetainedMessages, retained[message.topic] == nil { return }
        var stored = message
        stored.retain = true
        // Its own copy: the payload is a slice of a read buffer several times its size.
        stored.payload = ByteBuffer(buffer: message.payload)
        if stored.expiresAt == nil, retainer.msgExpiryInterval.milliseconds > 0, let now {
            stored.expiresAt = now + .milliseconds(retainer.msgExpiryInterval.milliseconds)
        }
        retained[message.topic] = stored
        if retainer.storageType == .disc { actions.append(.persist(.retained(topic: message.topic, stored))) }
    }

    /// PUBACK, PUBREC, PUBREL and PUBCOMP from the client.
    mutating func acknowledge(
        _ packet: MQTTPacket, from session: Session, on connection: ConnectionID, now: NIODeadline, actions: inout BrokerActions
    ) {
        switch packet {
        case .puback(let ack), .pubcomp(let ack):
            guard let removed = session.removeInflight(ack.packetIdentifier) else { return }
            forget(removed.sequence, of: session, actions: &actions)
            drainQueue(session, now: now, actions: &actions)
        case .pubrec(let ack):
            guard var outgoing = session.inflight[ack.packetIdentifier] else {
                let reason: ReasonCode = session.protocolVersion.hasProperties ? .packetIdentifierNotFound : .success
                return actions.append(
                    .send(.pubrel(PubAckPacket(packetIdentifier: ack.packetIdentifier, reasonCode: reason)), to: connection))
            }
            if ack.reasonCode.isError {
                _ = session.removeInflight(ack.packetIdentifier)
                forget(outgoing.sequence, of: session, actions: &actions)
                return drainQueue(session, now: now, actions: &actions)
            }
            outgoing.state = .awaitingPubComp
            outgoing.sentAt = now
            session.inflight[ack.packetIdentifier] = outgoing
            let release = MQTTPacket.pubrel(PubAckPacket(packetIdentifier: ack.packetIdentifier))
            if outgoing.sequence != 0 {
                // Released on disk before PUBREL goes: after a crash PUBREL is resent, not the message.
                actions.append(.persist(.messageReleased(clientID: session.clientID, sequence: outgoing.sequence)))
                actions.append(.sendCommitted(release, to: connection))
            } else {
                actions.append(.send(release, to: connection))
            }
        case .pubrel(let ack):
            let known = session.awaitingRelease.removeValue(forKey: ack.packetIdentifier) != nil
            let reason: ReasonCode = known || !session.protocolVersion.hasProperties ? .success : .packetIdentifierNotFound
            let complete = MQTTPacket.pubcomp(PubAckPacket(packetIdentifier: ack.packetIdentifier, reasonCode: reason))
            if known && session.isDurable {
                // Until this is on disk, a crash would take the identifier's next message for a
                // retransmission of this one.
                actions.append(.persist(.releaseCompleted(clientID: session.clientID, packetID: ack.packetIdentifier)))
                actions.append(.sendCommitted(complete, to: connection))
            } else {
                actions.append(.send(complete, to: connection))
            }
        default:
            break
        }
    }
}
