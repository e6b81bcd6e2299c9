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
        let looksLikeHex = encoding == .raw && text.count >= 16 && text.count % 2 == 0 && text.allSatisfy { Self.hexValue($0) != nil }
        return .entry(identity: identityRange, secret: secretRange, trailingSpace: trailingSpace, looksLikeHex: looksLikeHex)
    }

    struct LineError: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func firstIndex(of separator: [UInt8], in bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        guard let first = separator.first else { return nil }
        if separator.count == 1 { return bytes.firstIndex(of: first) }
        var index = bytes.startIndex
        while index + separator.count <= bytes.endIndex {
            if bytes[index] == first && bytes[index..<index + separator.count].elementsEqual(separator) { return index }
            index += 1
        }
        return nil
    }
}
