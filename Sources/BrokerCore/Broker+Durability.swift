import ConfigModel
import MQTTCore
package import NIOCore

extension Broker {
    /// Starts the core: the sessions and retained messages the state store held (offline, with
    /// what was left of their expiry), and the retainer's sweep of expired messages.
    package mutating func start(restoring state: RestoredState, now: NIODeadline, actions: inout BrokerActions) {
        for message in state.retained where message.expiresAt.map({ $0 > now }) ?? true {
            retained[message.topic] = message
        }
        for stored in state.sessions { restore(stored, now: now, actions: &actions) }
        armRetainerSweep(now: now, actions: &actions)
    }

    private mutating func restore(_ stored: RestoredSession, now: NIODeadline, actions: inout BrokerActions) {
        let session = Session(clientID: stored.clientID, protocolVersion: stored.protocolVersion, queueLimit: config.maxMqueueLength)
        session.limits = limits
        session.expiryInterval = stored.expiryInterval
        session.isDurable = true
        sessions[stored.clientID] = session
        // Filters were checked as the store was read (`RestoredState`): one that does not parse
        // stops start-up there.
        for (subscription, identifier) in stored.subscriptions {
            guard let parsed = try? SubscriptionTree<String>.ParsedFilter(subscription.topicFilter) else { continue }
            _ = subscriptions.subscribe(stored.clientID, parsed, options: subscription, identifier: identifier)
            session.filters.insert(subscription.topicFilter)
        }
        for entry in stored.messages {
            session.nextSequence = max(session.nextSequence, entry.sequence + 1)
            if let id = entry.packetID {
                let state: Session.Outgoing.State =
                    entry.released ? .awaitingPubComp : entry.message.qos == .atLeastOnce ? .awaitingPubAck : .awaitingPubRec
                session.inflight[id] = Session.Outgoing(
                    message: entry.message, subscriptionIdentifiers: entry.identifiers, state: state, sentAt: now, sequence: entry.sequence)
                session.inflightOrder.append(id)
            } else {
                session.queue.append(entry.message, identifiers: entry.identifiers, sequence: entry.sequence)
            }
        }
        for id in stored.awaitingRelease { session.awaitingRelease[id] = now }
        if session.expiryInterval != UInt32.max {
            session.expiryGeneration += 1
            actions.append(
                .schedule(.sessionExpiry(clientID: session.clientID, generation: session.expiryGeneration), at: now + stored.expiresIn))
        }
    }

    /// After CONNECT settled the session's expiry interval: whether the state store keeps it
    /// now, and what it must write for that. A session that becomes durable while it holds
    /// messages (a 5.0 client that raised its expiry from 0 on a takeover) is saved with its
    /// subscriptions; those messages stay in memory only.
    mutating func settleDurability(_ session: Session) -> [DurableChange] {
        let durable = sessionPersistence && session.expiryInterval > 0
        switch (durable, session.isDurable) {
        case (true, false):
            session.isDurable = true
            return [
                .sessionSaved(clientID: session.clientID, protocolVersion: session.protocolVersion, expiryInterval: session.expiryInterval)
            ]
                + session.filters.compactMap { filter in
                    guard let parsed = try? SubscriptionTree<String>.ParsedFilter(filter),
                        let entry = subscriptions.entry(of: session.clientID, parsed)
                    else { return nil }
                    return .subscribed(clientID: session.clientID, entry.options, identifier: entry.subscriptionIdentifier)
                }
        case (true, true):
            return [
                .sessionSaved(clientID: session.clientID, protocolVersion: session.protocolVersion, expiryInterval: session.expiryInterval)
            ]
        case (false, true):
            session.isDurable = false
            return [.sessionEnded(clientID: session.clientID)]
        case (false, false):
            return []
        }
    }

    /// retainer.msg_clear_interval: expired retained messages are swept out now and then
    /// (never delivered once expired, swept or not).
    mutating func armRetainerSweep(now: NIODeadline, actions: inout BrokerActions) {
        let interval = retainer.msgClearInterval.milliseconds
        guard interval > 0 else { return }
        actions.append(.schedule(.retainerSweep, at: now + .milliseconds(interval)))
    }

    mutating func sweepRetained(now: NIODeadline, actions: inout BrokerActions) {
        for (topic, message) in retained {
            guard let expiresAt = message.expiresAt, expiresAt <= now else { continue }
            retained[topic] = nil
            if retainer.storageType == .disc { actions.append(.persist(.retained(topic: topic, nil))) }
        }
        armRetainerSweep(now: now, actions: &actions)
    }
}
