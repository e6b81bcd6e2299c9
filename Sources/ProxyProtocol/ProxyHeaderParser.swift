/// Reads a PROXY protocol header from the first bytes of a connection, as a pure function:
/// the bytes so far in, `.incomplete` (wait for more), the header and how many bytes it took,
/// or why it is refused. Never reads past what it is given, never trusts a length without
/// checking it against the bytes and the limits.
public enum ProxyHeaderParser {
    public enum Result: Sendable, Equatable {
        case incomplete
        case complete(ProxyHeader, length: Int)
        case invalid(ProxyHeaderError)
    }

    /// v1's limit (the spec's 107 bytes, CRLF included).
    public static let maximumV1Length = 107
    /// v2 headers longer than this are refused (the spec allows 16 + 65,535; proxies send a
    /// few hundred bytes at most, so a larger claim is an attack or a mistake).
    public static let maximumV2Length = 16 + 2048

    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    static let v1Signature = Array("PROXY ".utf8)

    public static func parse<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> Result where Bytes.Element == UInt8, Bytes.Index == Int {
        let start = bytes.startIndex
        let available = bytes.count
        // Decide the version from what has arrived; a prefix of both signatures waits.
        let v2Prefix = zip(bytes, v2Signature).allSatisfy { $0 == $1 }
        let v1Prefix = zip(bytes, v1Signature).allSatisfy { $0 == $1 }
        if v2Prefix && available >= v2Signature.count { return parseV2(bytes, start: start) }
        if v1Prefix && available >= v1Signature.count { return parseV1(bytes, start: start) }
        if v1Prefix || v2Prefix { return .incomplete }
        return .invalid(ProxyHeaderError("the connection does not start with a PROXY protocol header (proxy_protocol = true)"))
    }

    // MARK: v1

    private static func parseV1<Bytes: RandomAccessCollection>(_ bytes: Bytes, start: Int) -> Result
    where Bytes.Element == UInt8, Bytes.Index == Int {
        var end: Int?
        for offset in 0..<min(bytes.count, maximumV1Length) where bytes[start + offset] == 0x0A {
            end = offset
            break
        }
        guard let end else {
            return bytes.count >= maximumV1Length ? .invalid(ProxyHeaderError("a PROXY v1 header longer than 107 bytes")) : .incomplete
        }
        guard end >= 1, bytes[start + end - 1] == 0x0D else { return .invalid(ProxyHeaderError("a PROXY v1 header must end with CRLF")) }
        let line = bytes[(start + v1Signature.count)..<(start + end - 1)]
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            return .invalid(ProxyHeaderError("a PROXY v1 header with bytes that are not text"))
        }
        let fields = String(decoding: line, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if fields.first == "UNKNOWN" {
            return .complete(ProxyHeader(version: .v1, source: nil, destination: nil), length: end + 1)
        }
        guard fields.count == 5, fields[0] == "TCP4" || fields[0] == "TCP6" else {
            return .invalid(ProxyHeaderError("a PROXY v1 header is \"TCP4|TCP6 SRC DST SPORT DPORT\" or \"UNKNOWN\""))
        }
        let size = fields[0] == "TCP4" ? 4 : 16
        guard let source = IPText.parse(fields[1]), source.count == size, let destination = IPText.parse(fields[2]),
            destination.count == size, let sourcePort = port(fields[3]), let destinationPort = port(fields[4])
        else { return .invalid(ProxyHeaderError("a PROXY v1 header with a bad address or port")) }
        return .complete(
            ProxyHeader(
                version: .v1, source: .init(address: source, port: sourcePort),
                destination: .init(address: destination, port: destinationPort)),
            length: end + 1)
    }

    /// A decimal port: 1 to 5 digits, no sign, no leading zero, at most 65535.
    private static func port(_ text: String) -> UInt16? {
        guard (1...5).contains(text.count), text.allSatisfy(\.isASCIIDigit), text == "0" || !text.hasPrefix("0") else { return nil }
        return UInt16(text)
    }

    // MARK: v2

    private static func parseV2<Bytes: RandomAccessCollection>(_ bytes: Bytes, start: Int) -> Result
    where Bytes.Element == UInt8, Bytes.Index == Int {
        guard bytes.count >= 16 else { return .incomplete }
        let versionCommand = bytes[start + 12]
        guard versionCommand >> 4 == 2 else { return .invalid(ProxyHeaderError("a PROXY v2 header of version \(versionCommand >> 4)")) }
        let command = versionCommand & 0x0F
        guard command <= 1 else { return .invalid(ProxyHeaderError("a PROXY v2 header with command \(command)")) }
        let familyProtocol = bytes[start + 13]
        let length = Int(bytes[start + 14]) << 8 | Int(bytes[start + 15])
        guard 16 + length <= maximumV2Length else {
            return .invalid(ProxyHeaderError("a PROXY v2 header of \(16 + length) bytes; at most \(maximumV2Length) are read"))
        }
        guard bytes.count >= 16 + length else { return .incomplete }
        let body = bytes[(start + 16)..<(start + 16 + length)]
        // LOCAL (a health check): the socket's addresses stand; the body is skipped.
        if command == 0 { return .complete(ProxyHeader(version: .v2, source: nil, destination: nil), length: 16 + length) }
        let family = familyProtocol >> 4
        let transport = familyProtocol & 0x0F
        guard transport == 1 || family == 0 else {
            return .invalid(
                ProxyHeaderError(
                    transport == 2 ? "a PROXY v2 header for a DGRAM (UDP) transport" : "a PROXY v2 header with transport \(transport)"))
        }
        let addressLength: Int
        switch family {
        case 0: return .complete(ProxyHeader(version: .v2, source: nil, destination: nil), length: 16 + length)  // UNSPEC
        case 1: addressLength = 12
        case 2: addressLength = 36
        default: return .invalid(ProxyHeaderError("a PROXY v2 header with address family \(family) (not IPv4 or IPv6)"))
        }
        guard length >= addressLength else { return .invalid(ProxyHeaderError("a PROXY v2 header too short for its addresses")) }
        let base = body.startIndex
        let size = addressLength == 12 ? 4 : 16
        let source = Array(body[base..<(base + size)])
        let destination = Array(body[(base + size)..<(base + 2 * size)])
        let sourcePort = UInt16(body[base + 2 * size]) << 8 | UInt16(body[base + 2 * size + 1])
        let destinationPort = UInt16(body[base + 2 * size + 2]) << 8 | UInt16(body[base + 2 * size + 3])
        var header = ProxyHeader(
            version: .v2, source: .init(address: source, port: sourcePort), destination: .init(address: destination, port: destinationPort))
        switch readTLVs(body[(base + addressLength)...], into: &header) {
        case .some(let error): return .invalid(error)
        case .none: return .complete(header, length: 16 + length)
        }
    }

    /// The TLVs after the addresses; unknown types are skipped. Returns why they are refused.
    private static func readTLVs<Bytes: RandomAccessCollection>(_ tlvs: Bytes, into header: inout ProxyHeader) -> ProxyHeaderError?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        var index = tlvs.startIndex
        while index < tlvs.endIndex {
            guard tlvs.endIndex - index >= 3 else { return ProxyHeaderError("a PROXY v2 TLV cut short") }
            let type = tlvs[index]
            let length = Int(tlvs[index + 1]) << 8 | Int(tlvs[index + 2])
            let value = (index + 3)..<(index + 3 + length)
            guard value.upperBound <= tlvs.endIndex else { return ProxyHeaderError("a PROXY v2 TLV longer than the header") }
            switch type {
            case 0x01: header.alpn = Array(tlvs[value])
            case 0x02: header.authority = String(decoding: tlvs[value], as: UTF8.self)
            case 0x20:
                guard length >= 5 else { return ProxyHeaderError("a PROXY v2 SSL TLV cut short") }
                let client = tlvs[value.lowerBound]
                let verify =
                    UInt32(tlvs[value.lowerBound + 1]) << 24 | UInt32(tlvs[value.lowerBound + 2]) << 16
                    | UInt32(tlvs[value.lowerBound + 3]) << 8 | UInt32(tlvs[value.lowerBound + 4])
                var ssl = ProxyHeader.SSL(clientUsedTLS: client & 0x01 != 0, clientCertificateVerified: verify == 0 && client & 0x02 != 0)
                var sub = value.lowerBound + 5
                while sub < value.upperBound {
                    guard value.upperBound - sub >= 3 else { return ProxyHeaderError("a PROXY v2 SSL sub-TLV cut short") }
                    let subType = tlvs[sub]
                    let subLength = Int(tlvs[sub + 1]) << 8 | Int(tlvs[sub + 2])
                    let subValue = (sub + 3)..<(sub + 3 + subLength)
                    guard subValue.upperBound <= value.upperBound else {
                        return ProxyHeaderError("a PROXY v2 SSL sub-TLV longer than its TLV")
                    }
                    let text = String(decoding: tlvs[subValue], as: UTF8.self)
                    switch subType {
                    case 0x21: ssl.version = text
                    case 0x22: ssl.commonName = text
                    case 0x23: ssl.cipher = text
                    default: break
                    }
                    sub = subValue.upperBound
                }
                header.ssl = ssl
            default: break
            }
            index = value.upperBound
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
