import Testing

@testable import ProxyProtocol

/// The PROXY protocol parser on haproxy's spec examples, every prefix of them, and the bad
/// cases: each is incomplete, complete with its length, or refused with a reason; never more.
@Suite struct ProxyHeaderParserTests {
    static func v2(command: UInt8 = 0x21, family: UInt8 = 0x11, body: [UInt8]) -> [UInt8] {
        ProxyHeaderParser.v2Signature + [command, family, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    static func tlv(_ type: UInt8, _ value: [UInt8]) -> [UInt8] { [type, UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value }

    static let ipv4Addresses: [UInt8] = [192, 168, 0, 1, 10, 0, 0, 2, 0xC3, 0x50, 0x07, 0x5B]  // 50000 → 1883

    @Test func v1() {
        let text = Array("PROXY TCP4 192.168.0.1 10.0.0.2 56324 1883\r\nMQTT".utf8)
        guard case .complete(let header, let length) = ProxyHeaderParser.parse(text) else {
            Issue.record("not parsed")
            return
        }
        #expect(length == text.count - 4)
        #expect(header.source == .init(address: [192, 168, 0, 1], port: 56324))
        #expect(header.destination == .init(address: [10, 0, 0, 2], port: 1883))
        let six = ProxyHeaderParser.parse(Array("PROXY TCP6 ::1 2001:db8::2 1 65535\r\n".utf8))
        guard case .complete(let header6, _) = six else {
            Issue.record("\(six)")
            return
        }
        #expect(header6.source?.address == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(
            ProxyHeaderParser.parse(Array("PROXY UNKNOWN whatever\r\n".utf8))
                == .complete(ProxyHeader(version: .v1, source: nil, destination: nil), length: 24))
    }

    @Test func v2WithTLVs() {
        let ssl = Self.tlv(0x20, [0x07, 0, 0, 0, 0] + Self.tlv(0x21, Array("TLSv1.3".utf8)) + Self.tlv(0x22, Array("device1".utf8)))
        let bytes = Self.v2(
            body: Self.ipv4Addresses + Self.tlv(0x01, Array("mqtt".utf8)) + Self.tlv(0x02, Array("broker.example".utf8)) + ssl
                + Self.tlv(0xEE, [1, 2]))
        guard case .complete(let header, let length) = ProxyHeaderParser.parse(bytes + [0x10]) else {
            Issue.record("not parsed")
            return
        }
        #expect(length == bytes.count)
        #expect(header.source == .init(address: [192, 168, 0, 1], port: 50000))
        #expect(header.alpn == Array("mqtt".utf8) && header.authority == "broker.example")
        #expect(header.ssl?.commonName == "device1" && header.ssl?.version == "TLSv1.3" && header.ssl?.clientCertificateVerified == true)
        // LOCAL (a health check) keeps the socket's address, whatever follows.
        #expect(
            ProxyHeaderParser.parse(Self.v2(command: 0x20, family: 0x00, body: []))
                == .complete(ProxyHeader(version: .v2, source: nil, destination: nil), length: 16))
        let ipv6 = Self.v2(family: 0x21, body: Array(repeating: 0, count: 15) + [1] + Array(repeating: 0, count: 15) + [2] + [0, 1, 0, 2])
        guard case .complete(let header6, _) = ProxyHeaderParser.parse(ipv6) else {
            Issue.record("no IPv6")
            return
        }
        #expect(header6.source?.address.last == 1 && header6.source?.port == 1)
    }

    /// Every proper prefix of a valid header is incomplete, never an error or a crash.
    @Test func everyPrefixWaits() {
        let headers = [
            Array("PROXY TCP4 192.168.0.1 10.0.0.2 56324 1883\r\n".utf8),
            Self.v2(body: Self.ipv4Addresses + Self.tlv(0x20, [0x01, 0, 0, 0, 0] + Self.tlv(0x22, Array("cn".utf8)))),
        ]
        for header in headers {
            for count in 0..<header.count {
                #expect(ProxyHeaderParser.parse(header.prefix(count)) == .incomplete, "prefix of \(count)")
            }
        }
    }

    @Test func badHeadersAreRefused() {
        let cases: [([UInt8], String)] = [
            (Array("CONNECT".utf8), "does not start with a PROXY"),
            ([0x10, 0x0C, 0x00, 0x04], "does not start with a PROXY"),
            (Array("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n".utf8), "CRLF"),
            (Array("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n".utf8), "bad address or port"),
            (Array("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n".utf8), "bad address or port"),
            (Array("PROXY TCP4 ::1 5.6.7.8 1 2\r\n".utf8), "bad address or port"),
            (Array("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n".utf8), "TCP4|TCP6"),
            (Array(("PROXY TCP4 " + String(repeating: "1", count: 120)).utf8), "longer than 107"),
            (Self.v2(family: 0x12, body: Self.ipv4Addresses), "DGRAM"),
            (Self.v2(command: 0x22, body: Self.ipv4Addresses), "command 2"),
            (Self.v2(command: 0x31, body: Self.ipv4Addresses), "version 3"),
            (Self.v2(family: 0x11, body: [1, 2, 3]), "too short for its addresses"),
            (Self.v2(body: Self.ipv4Addresses + [0x01, 0x00, 0x09, 1]), "TLV longer than the header"),
            (Self.v2(body: Self.ipv4Addresses + Self.tlv(0x20, [1, 0, 0])), "SSL TLV cut short"),
            (ProxyHeaderParser.v2Signature + [0x21, 0x11, 0xFF, 0xFF], "of 65551 bytes"),
        ]
        for (bytes, reason) in cases {
            guard case .invalid(let error) = ProxyHeaderParser.parse(bytes) else {
                Issue.record("accepted: \(reason)")
                continue
            }
            #expect(error.description.contains(reason), "\(error) for \(reason)")
        }
    }
}
