import ConfigModel
import MQTTCore
import NIOCore

extension Broker {
    /// SUBSCRIBE (§3.8.4): each filter checked and granted, then retained messages.
    mutating func subscribe(
        _ packet: SubscribePacket, from session: Session, on connection: ConnectionID, now: NIODeadline, actions: inout BrokerActions
    ) {
        var codes: [ReasonCode] = []
        var retainedToSend: [(ApplicationMessage, Int?)] = []
        let identifier = packet.properties.subscriptionIdentifiers.first
        // deny_action = disconnect: one denied filter and the packet is refused whole (no
        // SUBACK, nothing subscribed), so every filter is asked before any is subscribed.
        if authorization?.denyAction == .disconnect {
            for subscription in packet.subscriptions {
                guard let parsed = try? SubscriptionTree<String>.ParsedFilter(subscription.topicFilter) else { continue }
                if !authorize(session, .subscribe(subscription.qos), parsed.filter.description, now: now) {
                    return actions.append(.close(connection, reason: .notAuthorized))
                }
            }
        }
        for var subscription in packet.subscriptions {
            guard let parsed = try? SubscriptionTree<String>.ParsedFilter(subscription.topicFilter) else {
                codes.append(.topicFilterInvalid)
                continue
            }
            if parsed.shareGroup != nil && !session.limits.value.sharedSubscription {
                codes.append(.sharedSubscriptionsNotSupported)
                continue
            }
            if parsed.filter.hasWildcards && !session.limits.value.wildcardSubscription {
                codes.append(.wildcardSubscriptionsNotSupported)
                continue
            }
            if parsed.filter.levels.count > session.limits.value.maxTopicLevels || (parsed.shareGroup != nil && subscription.noLocal) {
                codes.append(.topicFilterInvalid)
                continue
            }
            if !authorize(session, .subscribe(subscription.qos), parsed.filter.description, now: now) {
                // 0x87 for 5.0; 3.1.1 has only Failure (0x80).
                codes.append(session.protocolVersion.hasProperties ? .notAuthorized : ReasonCode(rawValue: 0x80))
                continue
            }
            subscription.qos = QoS(rawValue: min(subscription.qos.rawValue, UInt8(session.limits.value.maxQoSAllowed)))!
            let isNew = subscriptions.subscribe(session.clientID, parsed, options: subscription, identifier: identifier)
            session.filters.insert(subscription.topicFilter)
            if session.isDurable { actions.append(.persist(.subscribed(clientID: session.clientID, subscription, identifier: identifier))) }
            codes.append(ReasonCode(rawValue: subscription.qos.rawValue))
            let wantsRetained = subscription.retainHandling == 0 || (subscription.retainHandling == 1 && isNew)
            if parsed.shareGroup == nil && wantsRetained {
                for message in retained.values where parsed.filter.matches(message.topic) {
                    var copy = message
                    copy.qos = min(message.qos, subscription.qos)
                    retainedToSend.append((copy, identifier))
                }
            }
        }
        let suback = MQTTPacket.suback(SubAckPacket(packetIdentifier: packet.packetIdentifier, reasonCodes: codes))
        actions.append(session.isDurable ? .sendCommitted(suback, to: connection) : .send(suback, to: connection))
        for (message, identifier) in retainedToSend {
            deliver(message, to: session, identifiers: identifier.map { [$0] } ?? [], now: now, actions: &actions)
        }
    }

    /// UNSUBSCRIBE (§3.10.4).
    mutating func unsubscribe(_ packet: UnsubscribePacket, from session: Session, on connection: ConnectionID, actions: inout BrokerActions)
    {
        let codes = packet.topicFilters.map { filter -> ReasonCode in
            guard let parsed = try? SubscriptionTree<String>.ParsedFilter(filter) else { return .topicFilterInvalid }
            session.filters.remove(filter)
            guard subscriptions.unsubscribe(session.clientID, parsed) else { return .noSubscriptionExisted }
            if session.isDurable { actions.append(.persist(.unsubscribed(clientID: session.clientID, filter: filter))) }
            return .success
        }
        let unsuback = MQTTPacket.unsuback(SubAckPacket(packetIdentifier: packet.packetIdentifier, reasonCodes: codes))
        actions.append(session.isDurable ? .sendCommitted(unsuback, to: connection) : .send(unsuback, to: connection))
    }
}
