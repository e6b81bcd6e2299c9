import BrokerCore
import MQTTCore
import NIOCore
import Stores

/// Between the broker core's durable changes and the state store's plain records. Runs on the
/// journal's thread: the copies and encodings cost the broker's loop nothing.
extension StoredChange {
    init(_ change: DurableChange, clock: WallClock) {
        switch change {
        case .sessionSaved(let clientID, let version, let expiry):
            self = .sessionSaved(clientID: clientID, protocolLevel: version.rawValue, expiryInterval: expiry)
        case .sessionDisconnected(let clientID, let expiry):
            self = .sessionDisconnected(clientID: clientID, expiryInterval: expiry, at: clock.milliseconds)
        case .sessionEnded(let clientID):
            self = .sessionEnded(clientID: clientID)
        case .subscribed(let clientID, let subscription, let identifier):
            self = .subscribed(
                clientID: clientID, filter: subscription.topicFilter, options: subscription.optionsByte, identifier: identifier)
        case .unsubscribed(let clientID, let filter):
            self = .unsubscribed(clientID: clientID, filter: filter)
        case .messageAdded(let clientID, let sequence, let message, let identifiers):
            self = .messageAdded(
                clientID: clientID, sequence: Int64(sequence), StoredMessage(message, clock: clock), identifiers: identifiers)
        case .messageSent(let clientID, let sequence, let packetID):
            self = .messageSent(clientID: clientID, sequence: Int64(sequence), packetID: packetID)
        case .messageReleased(let clientID, let sequence):
            self = .messageReleased(clientID: clientID, sequence: Int64(sequence))
        case .messageRemoved(let clientID, let sequence):
            self = .messageRemoved(clientID: clientID, sequence: Int64(sequence))
        case .releaseAwaited(let clientID, let packetID):
            self = .releaseAwaited(clientID: clientID, packetID: packetID)
        case .releaseCompleted(let clientID, let packetID):
            self = .releaseCompleted(clientID: clientID, packetID: packetID)
        case .retained(let topic, let message):
            self = .retained(topic: topic, message.map { StoredMessage($0, clock: clock) })
        }
    }
}

extension StoredMessage {
    init(_ message: ApplicationMessage, clock: WallClock) {
        self.init(
            topic: message.topic, payload: Array(message.payload.readableBytesView), qos: message.qos.rawValue, retain: message.retain,
            properties: message.properties.isEmpty ? [] : message.properties.publishPropertyBytes, publisher: message.publisher,
            expiresAt: message.expiresAt.map(clock.milliseconds(at:)))
    }
}

extension ApplicationMessage {
    /// A stored message, or why it cannot be read back (damaged bytes in the store).
    init(_ stored: StoredMessage, clock: WallClock) throws {
        guard let qos = QoS(rawValue: stored.qos) else { throw RestoreError.Damage("QoS \(stored.qos)") }
        let properties = stored.properties.isEmpty ? MQTTProperties() : try MQTTProperties(publishPropertyBytes: stored.properties)
        self.init(
            topic: stored.topic, payload: ByteBuffer(bytes: stored.payload), qos: qos, retain: stored.retain, properties: properties,
            publisher: stored.publisher, expiresAt: stored.expiresAt.map(clock.deadline(at:)))
    }
}

extension RestoredState {
    /// What the store loaded, for the core; a row that cannot be read back stops start-up
    /// with its session or topic named.
    init(sessions: [StoredSession], retained: [StoredMessage], clock: WallClock) throws {
        self.init()
        for stored in retained {
            do {
                self.retained.append(try ApplicationMessage(stored, clock: clock))
            } catch {
                throw RestoreError(what: "the retained message of \(stored.topic)", error: error)
            }
        }
        for stored in sessions {
            guard let version = ProtocolVersion(rawValue: stored.protocolLevel) else {
                throw RestoreError(what: "session \(stored.clientID)", error: RestoreError.Damage("protocol level \(stored.protocolLevel)"))
            }
            let expiresIn: TimeAmount =
                stored.expiryInterval == UInt32.max
                ? .zero : .milliseconds(stored.disconnectedAt + Int64(stored.expiryInterval) * 1000 - clock.milliseconds)
            var session = RestoredSession(
                clientID: stored.clientID, protocolVersion: version, expiryInterval: stored.expiryInterval, expiresIn: expiresIn)
            do {
                session.subscriptions = try stored.subscriptions.map {
                    _ = try SubscriptionTree<String>.ParsedFilter($0.filter)
                    return (try SubscribePacket.Subscription(topicFilter: $0.filter, optionsByte: $0.options), identifier: $0.identifier)
                }
                session.messages = try stored.messages.map {
                    RestoredSession.Message(
                        sequence: UInt64($0.sequence), message: try ApplicationMessage($0.message, clock: clock),
                        identifiers: $0.identifiers,
                        packetID: $0.packetID, released: $0.released)
                }
            } catch {
                throw RestoreError(what: "session \(stored.clientID)", error: error)
            }
            session.awaitingRelease = stored.awaitingRelease
            self.sessions.append(session)
        }
    }
}

/// A row of the state store that does not read back as what the broker wrote.
struct RestoreError: Error, CustomStringConvertible {
    let what: String
    let error: any Error

    var description: String { "\(what) in the broker state store cannot be read: \(error)" }

    struct Damage: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
