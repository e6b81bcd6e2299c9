import MQTTCore
import NIOCore
import Testing

/// A corpus of malformed packets, each with the reason code the spec prescribes (§4.13).
@Suite struct MalformedPacketTests {
    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    /// A packet: the first byte, then the remaining length worked out from `body`.
    static func packet(_ first: UInt8, _ body: String) -> [UInt8] {
        let bytes = hex(body)
        precondition(bytes.count < 128)
        return [first, UInt8(bytes.count)] + bytes
    }

    /// CONNECT variable headers: "MQTT", level, flags, keepalive 60.
    static func connectBody(level: String = "04", flags: String = "02", rest: String = "000163") -> String {
        "00044d515454 \(level) \(flags) 003c \(rest)"
    }

    static let connect4 = packet(0x10, connectBody())
    static let connect5 = packet(0x10, connectBody(level: "05", rest: "00 000163"))

    static let cases: [(name: String, bytes: [UInt8], code: ReasonCode)] = [
        ("first packet is not CONNECT", hex("c000"), .protocolError),
        ("CONNECT protocol name MQTX", packet(0x10, "00044d515458 04 02 003c 000163"), .malformedPacket),
        ("CONNECT protocol level 6", packet(0x10, connectBody(level: "06")), .unsupportedProtocolVersion),
        ("CONNECT level 3 with the name MQTT", packet(0x10, connectBody(level: "03")), .unsupportedProtocolVersion),
        ("CONNECT reserved flag", packet(0x10, connectBody(flags: "03")), .malformedPacket),
        ("CONNECT will QoS 3", packet(0x10, connectBody(flags: "1e")), .malformedPacket),
        ("CONNECT will retain without will", packet(0x10, connectBody(flags: "22")), .malformedPacket),
        ("CONNECT password without user name (3.1.1)", packet(0x10, connectBody(flags: "42", rest: "000163 0000")), .malformedPacket),
        ("CONNECT with fixed-header flags", packet(0x11, connectBody()), .malformedPacket),
        ("CONNECT client id not UTF-8", packet(0x10, connectBody(rest: "0001ff")), .malformedPacket),
        ("CONNECT cut short", packet(0x10, connectBody(rest: "00")), .malformedPacket),
        ("CONNECT with trailing bytes", packet(0x10, connectBody(rest: "000163 00")), .malformedPacket),
        ("CONNECT will topic with a wildcard", packet(0x10, connectBody(flags: "06", rest: "000163 0001 23 0000")), .topicNameInvalid),
        ("remaining length of 5 bytes", hex("10ffffffff7f"), .malformedPacket),
        ("packet type 0", connect4 + hex("0000"), .malformedPacket),
        ("a second CONNECT", connect4 + connect4, .protocolError),
        ("PUBLISH QoS 3", connect4 + packet(0x36, "000161 0001"), .malformedPacket),
        ("PUBLISH topic with +", connect4 + packet(0x30, "00012b"), .topicNameInvalid),
        ("PUBLISH empty topic (3.1.1)", connect4 + packet(0x30, "0000"), .topicNameInvalid),
        ("PUBLISH QoS 1 packet id 0", connect4 + packet(0x32, "000161 0000"), .malformedPacket),
        ("PUBLISH DUP on QoS 0", connect4 + packet(0x38, "000161"), .malformedPacket),
        ("PUBLISH topic with U+0000", connect4 + packet(0x30, "0002 6100"), .malformedPacket),
        ("PUBLISH topic with an invalid UTF-8 sequence", connect4 + packet(0x30, "0002 c328"), .malformedPacket),
        ("PUBLISH topic longer than the packet", connect4 + packet(0x30, "00ff 61"), .malformedPacket),
        ("PUBREL with flags 0", connect4 + packet(0x60, "0001"), .malformedPacket),
        ("PUBACK packet id 0", connect4 + packet(0x40, "0000"), .malformedPacket),
        ("SUBSCRIBE with flags 0", connect4 + packet(0x80, "0001 000161 00"), .malformedPacket),
        ("SUBSCRIBE with no filters", connect4 + packet(0x82, "0001"), .protocolError),
        ("SUBSCRIBE reserved option bits (3.1.1)", connect4 + packet(0x82, "0001 000161 04"), .malformedPacket),
        ("SUBSCRIBE QoS 3", connect4 + packet(0x82, "0001 000161 03"), .malformedPacket),
        ("UNSUBSCRIBE with no filters", connect4 + packet(0xA2, "0001"), .protocolError),
        ("PINGREQ with a body", connect4 + packet(0xC0, "00"), .malformedPacket),
        ("AUTH in 3.1.1", connect4 + packet(0xF0, ""), .malformedPacket),
        ("property not allowed in CONNECT (5.0)", packet(0x10, connectBody(level: "05", rest: "03 230001 000163")), .protocolError),
        ("property given twice (5.0)", packet(0x10, connectBody(level: "05", rest: "0a 1100000001 1100000002 000163")), .protocolError),
        ("Receive Maximum 0 (5.0)", packet(0x10, connectBody(level: "05", rest: "03 210000 000163")), .protocolError),
        ("Request Problem Information 2 (5.0)", packet(0x10, connectBody(level: "05", rest: "02 1702 000163")), .protocolError),
        ("properties run past the end (5.0)", packet(0x10, connectBody(level: "05", rest: "05 00")), .malformedPacket),
        ("SUBSCRIBE Retain Handling 3 (5.0)", connect5 + packet(0x82, "0001 00 000161 30"), .protocolError),
        ("SUBSCRIBE reserved option bits (5.0)", connect5 + packet(0x82, "0001 00 000161 40"), .malformedPacket),
        ("PUBLISH empty topic without alias (5.0)", connect5 + packet(0x30, "0000 00"), .protocolError),
        ("Topic Alias 0 (5.0)", connect5 + packet(0x30, "0000 03 230000"), .protocolError),
        ("Subscription Identifier 0 (5.0)", connect5 + packet(0x82, "0001 02 0b00 000161 00"), .protocolError),
    ]

    @Test func corpusCoversEveryKindOfMistake() {
        #expect(Self.cases.count >= 40)
        #expect(Set(Self.cases.map(\.code)) == [.malformedPacket, .protocolError, .unsupportedProtocolVersion, .topicNameInvalid])
    }

    @Test(arguments: cases.map(\.name))
    func malformedPacketsGetTheirReasonCode(_ name: String) throws {
        let entry = Self.cases.first { $0.name == name }!
        var buffer = ByteBuffer(bytes: entry.bytes)
        var parser = MQTTPacketParser()
        let error = #expect(throws: MQTTCodecError.self) {
            while try parser.parse(&buffer) != nil {}
        }
        #expect(error?.reasonCode == entry.code, "\(name): \(String(describing: error))")
    }

    @Test func theValidPrefixesParse() throws {
        for bytes in [Self.connect4, Self.connect5] {
            var buffer = ByteBuffer(bytes: bytes)
            var parser = MQTTPacketParser()
            guard case .connect(let connect) = try parser.parse(&buffer) else {
                Issue.record("not a CONNECT")
                return
            }
            #expect(connect.clientIdentifier == "c")
        }
    }

    @Test func oversizedLengthFailsBeforeTheBodyArrives() throws {
        var parser = MQTTPacketParser(limits: MQTTDecoderLimits(maximumPacketSize: 1024))
        var buffer = ByteBuffer(bytes: Self.connect4)
        _ = try parser.parse(&buffer)
        // A PUBLISH claiming 268 MB: only the five header bytes are here.
        buffer.writeBytes(Self.hex("30ffffff7f"))
        let error = #expect(throws: MQTTCodecError.self) { try parser.parse(&buffer) }
        #expect(error?.reasonCode == .packetTooLarge)
    }
}
