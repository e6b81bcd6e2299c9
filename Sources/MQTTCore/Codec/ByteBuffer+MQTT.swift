import NIOCore

/// The MQTT data representations (§1.5), read with bounds checks that throw Malformed Packet,
/// and written with preconditions (our own values are valid by construction).
extension ByteBuffer {
    mutating func readMQTTByte() throws(MQTTCodecError) -> UInt8 {
        guard let byte = readInteger(as: UInt8.self) else { throw .malformed("the packet ends too early") }
        return byte
    }

    mutating func readMQTTUInt16() throws(MQTTCodecError) -> UInt16 {
        guard let value = readInteger(endianness: .big, as: UInt16.self) else { throw .malformed("the packet ends too early") }
        return value
    }

    mutating func readMQTTUInt32() throws(MQTTCodecError) -> UInt32 {
        guard let value = readInteger(endianness: .big, as: UInt32.self) else { throw .malformed("the packet ends too early") }
        return value
    }

    /// A Variable Byte Integer: 1 to 4 bytes, at most 268,435,455; nil when the buffer ends
    /// before it does (only for the fixed header, where more bytes may still come).
    mutating func readVariableByteInteger() throws(MQTTCodecError) -> Int? {
        var value = 0
        var multiplier = 1
        var index = readerIndex
        for _ in 0..<4 {
            guard let byte = getInteger(at: index, as: UInt8.self) else { return nil }
            index += 1
            value += Int(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 {
                moveReaderIndex(to: index)
                return value
            }
            multiplier *= 128
        }
        throw .malformed("a variable byte integer is longer than 4 bytes")
    }

    /// A Variable Byte Integer inside a packet, where running out of bytes is malformed.
    mutating func readMQTTVariableByteInteger() throws(MQTTCodecError) -> Int {
        guard let value = try readVariableByteInteger() else { throw .malformed("the packet ends inside a variable byte integer") }
        return value
    }

    /// A UTF-8 Encoded String: well-formed UTF-8 without U+0000 (§1.5.4).
    mutating func readMQTTString() throws(MQTTCodecError) -> String {
        let length = Int(try readMQTTUInt16())
        guard let bytes = readSlice(length: length) else { throw .malformed("a string runs past the end of the packet") }
        guard let text = bytes.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) }) else {
            throw .malformed("a string is not valid UTF-8")
        }
        guard !text.utf8.contains(0) else { throw .malformed("a string contains U+0000") }
        return text
    }

    /// Binary Data (§1.5.6).
    mutating func readMQTTBinary() throws(MQTTCodecError) -> [UInt8] {
        let length = Int(try readMQTTUInt16())
        guard let bytes = readBytes(length: length) else { throw .malformed("binary data runs past the end of the packet") }
        return bytes
    }

    @discardableResult
    mutating func writeVariableByteInteger(_ value: Int) -> Int {
        precondition(value >= 0 && value <= 268_435_455, "variable byte integer out of range")
        var remaining = value
        var written = 0
        repeat {
            var byte = UInt8(remaining % 128)
            remaining /= 128
            if remaining > 0 { byte |= 0x80 }
            writeInteger(byte)
            written += 1
        } while remaining > 0
        return written
    }

    mutating func writeMQTTString(_ text: String) {
        precondition(text.utf8.count <= 65535, "MQTT strings are at most 65535 bytes")
        writeInteger(UInt16(text.utf8.count), endianness: .big)
        writeString(text)
    }

    mutating func writeMQTTBinary(_ bytes: [UInt8]) {
        precondition(bytes.count <= 65535, "MQTT binary data is at most 65535 bytes")
        writeInteger(UInt16(bytes.count), endianness: .big)
        writeBytes(bytes)
    }

    static func variableByteIntegerSize(_ value: Int) -> Int {
        switch value {
        case ..<128: 1
        case ..<16384: 2
        case ..<2_097_152: 3
        default: 4
        }
    }
}
