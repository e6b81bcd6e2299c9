/// A message as the broker's state store keeps it: plain values, so the store knows nothing
/// of MQTT's types. `properties` are a PUBLISH's property bytes as on the wire.
public struct StoredMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: UInt8
    public var retain: Bool
    public var properties: [UInt8]
    public var publisher: String?
    /// When it expires, in milliseconds since 1970; nil for never.
    public var expiresAt: Int64?

    public init(
        topic: String, payload: [UInt8], qos: UInt8, retain: Bool, properties: [UInt8] = [], publisher: String? = nil,
        expiresAt: Int64? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
        self.publisher = publisher
        self.expiresAt = expiresAt
    }
}

/// One change to the state store, as the broker made it; `BrokerStateStore.apply` writes a
/// group of them in one transaction.
public enum StoredChange: Sendable, Equatable {
    case sessionSaved(clientID: String, protocolLevel: UInt8, expiryInterval: UInt32)
    /// Disconnected at `at` (milliseconds since 1970): it expires `expiryInterval` seconds later.
    case sessionDisconnected(clientID: String, expiryInterval: UInt32, at: Int64)
    case sessionEnded(clientID: String)
    /// `options` is the Subscription Options byte.
    case subscribed(clientID: String, filter: String, options: UInt8, identifier: Int?)
    case unsubscribed(clientID: String, filter: String)
    case messageAdded(clientID: String, sequence: Int64, StoredMessage, identifiers: [Int])
    case messageSent(clientID: String, sequence: Int64, packetID: UInt16)
    case messageReleased(clientID: String, sequence: Int64)
    case messageRemoved(clientID: String, sequence: Int64)
    case releaseAwaited(clientID: String, packetID: UInt16)
    case releaseCompleted(clientID: String, packetID: UInt16)
    case retained(topic: String, StoredMessage?)
}

/// A session as the store held it at start-up.
public struct StoredSession: Sendable, Equatable {
    public var clientID: String
    public var protocolLevel: UInt8
    public var expiryInterval: UInt32
    /// When its connection ended (milliseconds since 1970). A session that was connected
    /// when the broker stopped counts as disconnected when the store was loaded.
    public var disconnectedAt: Int64
    public var subscriptions: [Subscription] = []
    /// In sequence order.
    public var messages: [Message] = []
    public var awaitingRelease: [UInt16] = []

    public struct Subscription: Sendable, Equatable {
        public var filter: String
        public var options: UInt8
        public var identifier: Int?

        public init(filter: String, options: UInt8, identifier: Int?) {
            self.filter = filter
            self.options = options
            self.identifier = identifier
        }
    }

    public init(clientID: String, protocolLevel: UInt8, expiryInterval: UInt32, disconnectedAt: Int64) {
        self.clientID = clientID
        self.protocolLevel = protocolLevel
        self.expiryInterval = expiryInterval
        self.disconnectedAt = disconnectedAt
    }

    public struct Message: Sendable, Equatable {
        public var sequence: Int64
        public var message: StoredMessage
        public var identifiers: [Int]
        public var packetID: UInt16?
        public var released: Bool
    }
}
