/// Why bytes from a peer are not an acceptable packet, with the reason code the spec
/// prescribes for it (Malformed Packet 0x81, Protocol Error 0x82, Packet Too Large 0x95, …).
/// One handler turns it into a CONNACK or DISCONNECT; the parser never decides that.
public struct MQTTCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reasonCode: ReasonCode
    public let reason: String

    init(_ reasonCode: ReasonCode, _ reason: String) {
        self.reasonCode = reasonCode
        self.reason = reason
    }

    static func malformed(_ reason: String) -> MQTTCodecError { MQTTCodecError(.malformedPacket, reason) }
    package static func protocolError(_ reason: String) -> MQTTCodecError { MQTTCodecError(.protocolError, reason) }

    public var description: String { "\(reason) (reason code \(reasonCode))" }
}

/// Limits checked while parsing, before anything is buffered.
public struct MQTTDecoderLimits: Sendable, Hashable {
    /// The largest packet accepted, header included. Default 1 MB, EMQX's `mqtt.max_packet_size`;
    /// the protocol's own ceiling is 268,435,460 bytes. A larger remaining length fails at
    /// once, after at most 5 bytes have been read.
    public var maximumPacketSize: Int = 1 << 20

    public init(maximumPacketSize: Int = 1 << 20) { self.maximumPacketSize = maximumPacketSize }
}
