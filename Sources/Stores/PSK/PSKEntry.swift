public import Foundation

/// What `psk list` shows of an identity: never the secret, only its length.
public struct PSKEntryInfo: Sendable, Hashable {
    /// The identity's bytes.
    public let identity: [UInt8]
    public let secretLength: Int
    public let createdAt: Date
    public let updatedAt: Date
    /// Where it came from: `file:/abs/path` or `cli`.
    public let source: String

    /// The identity as text; bytes that are not printable UTF-8 are shown as `\xNN`.
    public var displayIdentity: String { PSKText.display(identity) }
}

/// Every identity and secret, in memory, immutable: what the broker's PSK callback reads
/// during handshakes, so a lookup never touches the disk.
public struct PSKSnapshot: Sendable {
    private let secrets: [[UInt8]: [UInt8]]

    init(secrets: [[UInt8]: [UInt8]]) { self.secrets = secrets }

    public var count: Int { secrets.count }

    public func secret(for identity: [UInt8]) -> [UInt8]? { secrets[identity] }
}

/// How the text after the separator becomes key bytes.
public enum PSKSecretEncoding: String, Sendable, CaseIterable {
    /// The bytes as written: EMQX's behaviour.
    case raw
    /// Hex digits, decoded: mosquitto's and `openssl s_client -psk`'s convention.
    case hex
}

enum PSKText {
    /// Printable ASCII and valid UTF-8 as they are; everything else as `\xNN`.
    static func display(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self),
            text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && $0 != "\\" })
        {
            return text
        }
        return bytes.map { byte in
            (0x20..<0x7F).contains(byte) && byte != UInt8(ascii: "\\")
                ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }.joined()
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
