internal import COpenSSL
internal import COpenSSLShims

/// A certificate serial number, kept as OpenSSL's upper-case hex (`BN_bn2hex`), which is also
/// the form of the serial column in an `openssl ca` index.txt.
public struct SerialNumber: Hashable, Sendable, CustomStringConvertible {
    /// Upper-case hex without a sign or prefix, an even number of digits (`00` for zero).
    public let hex: String

    /// Parses hex typed by a user: `0x` prefix, colons and lower case are all accepted.
    public init(hex input: String) throws {
        var digits = input.lowercased().hasPrefix("0x") ? String(input.dropFirst(2)) : input
        digits.removeAll { $0 == ":" }
        guard !digits.isEmpty, digits.count <= 40, digits.allSatisfy(\.isHexDigit) else {
            throw CertToolsError(.invalidArgument, "\"\(input)\" is not a serial number in hex (at most 20 bytes)")
        }
        var bytes: [UInt8] = []
        var padded = digits.count % 2 == 1 ? "0" + digits : digits
        while !padded.isEmpty {
            bytes.append(UInt8(padded.prefix(2), radix: 16)!)
            padded.removeFirst(2)
        }
        self.init(bytes: bytes)
    }

    init(bytes: [UInt8]) {
        let significant = Array(bytes.drop { $0 == 0 })
        hex =
            significant.isEmpty
            ? "00"
            : significant.map { String($0, radix: 16, uppercase: true) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }

    init(asn1 integer: UnsafePointer<ASN1_INTEGER>?) {
        guard let integer, let bignum = ASN1_INTEGER_to_BN(integer, nil) else {
            self.init(bytes: [])
            return
        }
        defer { BN_free(bignum) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(bignum) + 7) / 8))
        _ = BN_bn2bin(bignum, &bytes)
        self.init(bytes: bytes)
    }

    /// A fresh serial: 16 random bytes with the top bit cleared, so it is positive, at most 20
    /// octets and unguessable (RFC 5280 §4.1.2.2, CA/Browser Forum's 64-bit entropy rule).
    public static func random() throws -> SerialNumber {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else {
            throw OpenSSLErrorStack.error("the random number generator failed")
        }
        bytes[0] &= 0x7F
        if bytes.allSatisfy({ $0 == 0 }) { bytes[15] = 1 }
        return SerialNumber(bytes: bytes)
    }

    /// The bytes, most significant first.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        var rest = Substring(hex)
        while !rest.isEmpty {
            out.append(UInt8(rest.prefix(2), radix: 16)!)
            rest = rest.dropFirst(2)
        }
        return out
    }

    /// A new ASN1_INTEGER; the caller frees it with `ASN1_INTEGER_free`.
    func makeASN1Integer() throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        let value = bytes
        guard let bignum = BN_bin2bn(value, Int32(value.count), nil) else {
            throw OpenSSLErrorStack.error("cannot encode serial \(hex)")
        }
        defer { BN_free(bignum) }
        guard let integer = BN_to_ASN1_INTEGER(bignum, nil) else {
            throw OpenSSLErrorStack.error("cannot encode serial \(hex)")
        }
        return integer
    }

    public var description: String { hex }

    /// Colon-separated hex, the way `openssl x509 -text` prints serials.
    public var colonHex: String { bytes.colonHex }
}
