import Foundation

/// Parses one `identity<separator>secret` line, EMQX's init.psk format: split at the first
/// separator; the identity taken verbatim; the secret as written (raw) or hex-decoded (hex).
///
/// Where we differ from EMQX on purpose: blank lines and lines starting with `#` are skipped
/// (EMQX rejects them and loses the batch), a UTF-8 BOM on line 1 is dropped, and identities
/// and secrets over OpenSSL's limits are refused here instead of failing at handshake time.
struct PSKLineParser {
    let separator: [UInt8]
    let encoding: PSKSecretEncoding

    enum Outcome {
        /// A comment or blank line.
        case skip
        /// An entry; `secret` is where its bytes were written in the arena.
        case entry(identity: Range<Int>, secret: Range<Int>, trailingSpace: Bool, looksLikeHex: Bool)
    }

    /// Parses `line`, appending the identity's and secret's bytes to `arena`. Errors carry the
    /// reason only; the caller adds file and line. The secret's content never appears in one.
    func parse(_ line: UnsafeBufferPointer<UInt8>, number: Int, into arena: inout [UInt8]) throws(LineError) -> Outcome {
        var bytes = line[...]
        if number == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.isEmpty || bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) || bytes.first == UInt8(ascii: "#") {
            return .skip
        }
        guard let split = Self.firstIndex(of: separator, in: bytes) else {
            throw LineError(
                "no \"\(String(decoding: separator, as: UTF8.self))\" separator: expected identity\(String(decoding: separator, as: UTF8.self))secret"
            )
        }
        let identity = bytes[bytes.startIndex..<split]
        let text = bytes[(split + separator.count)...]
        if let problem = PSKEntryRules.identityProblem(identity) { throw LineError(problem) }
        let identityStart = arena.count
        arena.append(contentsOf: identity)
        let identityRange = identityStart..<arena.count
        let secretStart = arena.count
        switch encoding {
        case .raw:
            arena.append(contentsOf: text)
        case .hex:
            guard text.count % 2 == 0 else {
                throw LineError("the hex secret has an odd number of digits (\(text.count)); each byte needs two")
            }
            var index = text.startIndex
            while index < text.endIndex {
                guard let high = Self.hexValue(text[index]), let low = Self.hexValue(text[index + 1]) else {
                    let column = (Self.hexValue(text[index]) == nil ? index : index + 1) - bytes.startIndex + 1
                    throw LineError("the hex secret has a character that is not a hex digit at column \(column)")
                }
                arena.append(high << 4 | low)
                index += 2
            }
        }
        let secretRange = secretStart..<arena.count
        if let problem = PSKEntryRules.secretProblem(arena[secretRange]) { throw LineError(problem) }
        let trailingSpace = text.last == 0x20 || text.last == 0x09
        var looksLikeHex = false
        if encoding == .raw && text.count >= 16 && text.count % 2 == 0 {
            looksLikeHex = true
            for byte in text where Self.hexDigits[Int(byte)] == 0xFF {
                looksLikeHex = false
                break
            }
        }
        return .entry(identity: identityRange, secret: secretRange, trailingSpace: trailingSpace, looksLikeHex: looksLikeHex)
    }

    struct LineError: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        let value = hexDigits[Int(byte)]
        return value == 0xFF ? nil : value
    }

    /// Each byte's hex value, 0xFF for bytes that are not hex digits.
    static let hexDigits: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 0x30...0x39: UInt8(byte - 0x30)
        case 0x61...0x66: UInt8(byte - 0x61 + 10)
        case 0x41...0x46: UInt8(byte - 0x41 + 10)
        default: 0xFF
        }
    }

    private static func firstIndex(of separator: [UInt8], in bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        guard let first = separator.first else { return nil }
        if separator.count == 1 {
            guard !bytes.isEmpty, let base = bytes.base.baseAddress,
                let found = memchr(base + bytes.startIndex, Int32(first), bytes.count)
            else { return nil }
            return UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
        }
        var index = bytes.startIndex
        while index + separator.count <= bytes.endIndex {
            if bytes[index] == first && bytes[index..<index + separator.count].elementsEqual(separator) { return index }
            index += 1
        }
        return nil
    }
}
