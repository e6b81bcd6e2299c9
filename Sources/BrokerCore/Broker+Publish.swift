import ConfigModel
import Logging
package import MQTTCore
import NIOCore

extension Broker {
    /// An inbound PUBLISH (§3.3.4): checks, topic alias, retain, routing, acknowledgement.
    package func publish(_ packet: PublishPacket, from session: Session, connection: any MQTTConnection) {
        messagesReceived += 1
        var topic = packet.topicName
        if let alias = packet.properties.topicAlias {
            guard Int(alias) <= config.maxTopicAlias else {
                return fail(connection, .topicAliasInvalid, "topic alias \(alias) is above mqtt.max_topic_alias")
            }
            if topic.isEmpty {
                guard let known = session.inboundAliases[alias] else {
                    return fail(connection, .protocolError, "topic alias \(alias) was never set")
                }
                topic = known
            } else {
                session.inboundAliases[alias] = topic
            }
        }
        guard topic.utf8.count(where: { $0 == UInt8(ascii: "/") }) < config.maxTopicLevels else {
            return fail(connection, .topicNameInvalid, "the topic has more than mqtt.max_topic_levels levels")
        }
        guard packet.qos.rawValue <= config.maxQoSAllowed else {
            return fail(connection, .qosNotSupported, "QoS \(packet.qos.rawValue) is above mqtt.max_qos_allowed")
        }
        guard !packet.retain || config.retainAvailable else {
            return fail(connection, .retainNotSupported, "a retained message, but mqtt.retain_available is false")
        }
        if config.strictMode, packet.properties.payloadFormatIndicator == 1,
            packet.payload.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) }) == nil
        {
            return fail(connection, .payloadFormatInvalid, "the payload is marked UTF-8 but is not")
        }
        if packet.qos == .exactlyOnce, let id = packet.packetIdentifier {
            if session.awaitingRelease[id] != nil {
                // A retransmission of a message already routed: acknowledge again only.
                return send(.pubrec(PubAckPacket(packetIdentifier: id)), to: connection)
            }
            // 5.0 §3.3.4: a client may leave at most Receive Maximum (mqtt.max_inflight, as
            // CONNACK advertised) QoS 2 messages unreleased; mqtt.max_awaiting_rel bounds 3.1.1
            // clients, and 5.0 ones below it.
            let receiveMaximum = session.protocolVersion.hasProperties ? config.maxInflight : Int.max
            let quota = config.maxAwaitingRel > 0 ? config.maxAwaitingRel : Int.max
            if session.awaitingRelease.count >= min(receiveMaximum, quota) {
                // Forget releases the client never sent within mqtt.await_rel_timeout.
                let cutoff = eventLoop.now - .milliseconds(config.awaitRelTimeout.milliseconds)
                session.awaitingRelease = session.awaitingRelease.filter { $0.value > cutoff }
            }
            if session.awaitingRelease.count >= receiveMaximum {
                return fail(
                    connection, .receiveMaximumExceeded, "more than Receive Maximum (\(receiveMaximum)) QoS 2 messages awaiting PUBREL")
            }
            if session.awaitingRelease.count >= quota {
                return send(
                    .pubrec(
                        PubAckPacket(packetIdentifier: id, reasonCode: session.protocolVersion.hasProperties ? .quotaExceeded : .success)),
                    to: connection)
            }
        }

        var properties = packet.properties
        properties.topicAlias = nil
        let expiresAt = properties.messageExpiryInterval.map { eventLoop.now + .seconds(Int64($0)) }
        properties.messageExpiryInterval = nil
        let message = ApplicationMessage(
            topic: topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, properties: properties,
            publisher: session.clientID, expiresAt: expiresAt
        )
        if packet.retain { retain(message) }
        let delivered = route(message)
        let reason: ReasonCode = delivered == 0 && session.protocolVersion.hasProperties ? .noMatchingSubscribers : .success
        switch packet.qos {
        case .atMostOnce: break
        case .atLeastOnce: send(.puback(PubAckPacket(packetIdentifier: packet.packetIdentifier!, reasonCode: reason)), to: connection)
        case .exactlyOnce:
            session.awaitingRelease[packet.packetIdentifier!] = eventLoop.now
            send(.pubrec(PubAckPacket(packetIdentifier: packet.packetIdentifier!, reasonCode: reason)), to: connection)
        }
    }

    /// Stores or clears (empty payload) the retained message of a topic (§3.3.1.3).
    func retain(_ message: ApplicationMessage) {
        if message.payload.readableBytes == 0 {
            retained[message.topic] = nil
        } else {
            var stored = message
            stored.retain = true
            retained[message.topic] = stored
        }
    }

    /// PUBACK, PUBREC, PUBREL and PUBCOMP from the client.
    package func acknowledge(_ packet: MQTTPacket, from session: Session, connection: any MQTTConnection) {
        switch packet {
        case .puback(let ack), .pubcomp(let ack):
            guard session.removeInflight(ack.packetIdentifier) != nil else { return }
            drainQueue(session)
        case .pubrec(let ack):
            guard var outgoing = session.inflight[ack.packetIdentifier] else {
                return send(
                    .pubrel(
                        PubAckPacket(
                            packetIdentifier: ack.packetIdentifier,
                            reasonCode: session.protocolVersion.hasProperties ? .packetIdentifierNotFound : .success)), to: connection)
            }
            if ack.reasonCode.isError {
                _ = session.removeInflight(ack.packetIdentifier)
                return drainQueue(session)
            }
            outgoing.state = .awaitingPubComp
            outgoing.sentAt = eventLoop.now
            session.inflight[ack.packetIdentifier] = outgoing
            send(.pubrel(PubAckPacket(packetIdentifier: ack.packetIdentifier)), to: connection)
        case .pubrel(let ack):
            let known = session.awaitingRelease.removeValue(forKey: ack.packetIdentifier) != nil
            let reason: ReasonCode = known || !session.protocolVersion.hasProperties ? .success : .packetIdentifierNotFound
            send(.pubcomp(PubAckPacket(packetIdentifier: ack.packetIdentifier, reasonCode: reason)), to: connection)
        default:
            break
        }
    }
}
