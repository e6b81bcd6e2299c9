/// A TLS version as EMQX names it in `versions`.
public enum TLSVersion: String, Sendable, CaseIterable, Comparable {
    case tlsv1_3 = "tlsv1.3"
    case tlsv1_2 = "tlsv1.2"
    case tlsv1_1 = "tlsv1.1"
    case tlsv1 = "tlsv1"

    /// EMQX's default: every version minus TLS 1.0 and 1.1.
    public static let defaults: [TLSVersion] = [.tlsv1_3, .tlsv1_2]

    /// The numeric order (1.0 < 1.3).
    var rank: Int {
        switch self {
        case .tlsv1: 0
        case .tlsv1_1: 1
        case .tlsv1_2: 2
        case .tlsv1_3: 3
        }
    }

    /// Whether RFC 8996 deprecates it.
    public var isLegacy: Bool { self == .tlsv1 || self == .tlsv1_1 }

    /// `TLS 1.3`, for messages.
    public var displayName: String {
        switch self {
        case .tlsv1: "TLS 1.0"
        case .tlsv1_1: "TLS 1.1"
        case .tlsv1_2: "TLS 1.2"
        case .tlsv1_3: "TLS 1.3"
        }
    }

    public static func < (lhs: TLSVersion, rhs: TLSVersion) -> Bool { lhs.rank < rhs.rank }
}

/// `verify`.
public enum VerifyMode: String, Sendable, CaseIterable {
    case verifyPeer = "verify_peer"
    case verifyNone = "verify_none"
}

extension ObjectReader {
    /// `versions`: an array of known versions, checked against the TLS 1.3 gap rule.
    mutating func tlsVersions(_ key: String = "versions", default fallback: [TLSVersion] = TLSVersion.defaults) -> Located<[TLSVersion]> {
        let keyPath = path(key)
        guard let value = value(key) else { return Located(fallback, at: nil, keyPath: keyPath) }
        guard case .array(let elements) = value.kind else {
            sink.report(
                .tlsVersionsNotArray, .error, value.location, keyPath,
                "versions must be an array, not \(value.kindName)",
                hint: "write versions = [\(value.scalarText.map { "\"\($0)\"" } ?? "\"tlsv1.3\", \"tlsv1.2\"")]"
            )
            return Located(fallback, at: value.location, keyPath: keyPath)
        }
        var versions: [TLSVersion] = []
        for element in elements {
            guard let text = element.scalarText, let version = TLSVersion(rawValue: text) else {
                let text = element.scalarText ?? element.kindName
                let suggestion = Suggestion.closest(to: text, in: TLSVersion.allCases.map(\.rawValue))
                sink.report(
                    .tlsVersionUnknown, .error, element.location, keyPath,
                    "\"\(text)\" is not a TLS version" + (suggestion.map { "; did you mean \($0)?" } ?? ""),
                    hint: "use tlsv1.3, tlsv1.2, tlsv1.1 or tlsv1"
                )
                continue
            }
            if !versions.contains(version) { versions.append(version) }
        }
        if versions.contains(.tlsv1_3) && versions.count > 1 && !versions.contains(.tlsv1_2) {
            sink.report(
                .tlsVersionsGap, .error, value.location, keyPath,
                "using tlsv1.3 with older versions but without tlsv1.2 is not allowed",
                hint: "add tlsv1.2, or use [tlsv1.3] alone"
            )
        }
        for legacy in versions where legacy.isLegacy {
            sink.report(
                .tlsVersionLegacy, .warning, value.location, keyPath,
                "\(legacy.displayName) is deprecated (RFC 8996) and off in OpenSSL 3 by default; emqxctl enables it on this listener at security level 0",
                hint: "remove it unless old devices need it"
            )
        }
        return Located(
            versions.isEmpty && elements.isEmpty ? [.tlsv1_3, .tlsv1_2, .tlsv1_1, .tlsv1] : versions, at: value.location, keyPath: keyPath)
    }

    /// `ciphers`: an array of names, or one string split at commas and spaces.
    mutating func cipherNames(_ key: String = "ciphers") -> Located<[String]> {
        let keyPath = path(key)
        guard let value = value(key) else { return Located([], at: nil, keyPath: keyPath) }
        var names: [String] = []
        switch value.kind {
        case .array(let elements):
            for element in elements {
                guard let text = element.scalarText else {
                    sink.report(.invalidValue, .error, element.location, keyPath, "a cipher name must be a string, not \(element.kindName)")
                    continue
                }
                names += Self.splitCiphers(text)
            }
        case .string(let text):
            names = Self.splitCiphers(text)
        default:
            sink.report(.invalidValue, .error, value.location, keyPath, "ciphers must be a string or an array of strings")
        }
        var unique: [String] = []
        for name in names where !unique.contains(name) { unique.append(name) }
        return Located(unique, at: value.location, keyPath: keyPath)
    }

    static func splitCiphers(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == ":" }).map(String.init)
    }

    /// `password`: a secret string (an integer is taken as its digits, as EMQX does).
    mutating func secret(_ key: String = "password") -> Located<Secret>? {
        guard let value = value(key) else { return nil }
        guard let text = value.scalarText else {
            invalid(key, value, "expected a string")
            return nil
        }
        return Located(Secret(text), at: value.location, keyPath: path(key))
    }
}
