/// The MQTT protocol level a client asked for in CONNECT.
public enum ProtocolVersion: UInt8, Sendable, Hashable, CaseIterable {
    /// MQTT 3.1 (protocol name "MQIsdp").
    case v3_1 = 3
    /// MQTT 3.1.1.
    case v3_1_1 = 4
    /// MQTT 5.0: properties and reason codes on every packet.
    case v5 = 5

    /// The protocol name CONNECT carries for this level.
    var protocolName: String { self == .v3_1 ? "MQIsdp" : "MQTT" }

    public var hasProperties: Bool { self == .v5 }
}

/// Quality of service.
public enum QoS: UInt8, Sendable, Hashable, Comparable, CaseIterable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public static func < (lhs: QoS, rhs: QoS) -> Bool { lhs.rawValue < rhs.rawValue }
}
