public import MQTTCore
public import NIOCore

/// A message on its way through the broker: what a PUBLISH carried, minus what belongs to one
/// connection (packet identifier, DUP, topic alias).
public struct ApplicationMessage: Sendable {
    public var topic: String
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    /// The properties passed through to subscribers (5.0): payload format, content type,
    /// response topic, correlation data, user properties. Message expiry is kept separately.
    ///
    /// Kept in a box, nil when there are none (most messages): inline they would make every
    /// message, retained or queued, and every copy made while routing, 200 bytes larger.
    public var properties: MQTTProperties {
        get { box?.properties ?? MQTTProperties() }
        set { box = newValue.isEmpty ? nil : PropertiesBox(newValue) }
    }
    private var box: PropertiesBox?
    /// The client that published it, for No Local and ignore_loop_deliver.
    public var publisher: String?
    /// When it expires (5.0 Message Expiry Interval), in uptime nanoseconds.
    public var expiresAt: NIODeadline?

    public init(
        topic: String, payload: ByteBuffer, qos: QoS, retain: Bool, properties: MQTTProperties = MQTTProperties(), publisher: String? = nil,
        expiresAt: NIODeadline? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.box = properties.isEmpty ? nil : PropertiesBox(properties)
        self.publisher = publisher
        self.expiresAt = expiresAt
    }

    /// The properties to send now: with the remaining expiry interval, without alias or
    /// subscription identifiers (set per delivery).
    func outgoingProperties(now: NIODeadline) -> MQTTProperties? {
        var properties = self.properties
        properties.topicAlias = nil
        properties.subscriptionIdentifiers = []
        if let expiresAt {
            let remaining = (expiresAt - now).nanoseconds
            guard remaining > 0 else { return nil }
            properties.messageExpiryInterval = UInt32(clamping: (remaining + 999_999_999) / 1_000_000_000)
        }
        return properties
    }
}

/// A message's properties, shared by its copies and never changed in place.
private final class PropertiesBox: Sendable {
    let properties: MQTTProperties

    init(_ properties: MQTTProperties) { self.properties = properties }
}
