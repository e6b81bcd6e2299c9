import Foundation

/// One subjectAltName entry, classified the way a user would expect from what they typed:
/// an IP address, a URI (it has a scheme), an email address (it has an `@`), or else a DNS name.
/// A `DNS:`, `IP:`, `URI:` or `email:` prefix forces the type.
public enum SubjectAlternativeName: Hashable, Sendable, CustomStringConvertible {
    case dns(String)
    case ipAddress(String)
    case uri(String)
    case email(String)

    public init(classifying input: String) throws {
        let value = input.trimmingCharacters(in: .whitespaces)
        if let colon = value.firstIndex(of: ":") {
            let prefix = value[..<colon].lowercased()
            let rest = String(value[value.index(after: colon)...])
            switch prefix {
            case "dns": self = .dns(try Self.validatedDNS(rest, input: input)); return
            case "ip": self = .ipAddress(try Self.validatedIP(rest, input: input)); return
            case "uri": self = .uri(try Self.validatedURI(rest, input: input)); return
            case "email": self = .email(try Self.validatedEmail(rest, input: input)); return
            default: break
            }
        }
        if let ip = Self.normalizedIP(value) {
            self = .ipAddress(ip)
        } else if value.contains("://") {
            self = .uri(try Self.validatedURI(value, input: input))
        } else if value.contains("@") {
            self = .email(try Self.validatedEmail(value, input: input))
        } else {
            self = .dns(try Self.validatedDNS(value, input: input))
        }
    }

    /// `DNS:localhost`, `IP Address:127.0.0.1`, … as `openssl x509 -text` prints them.
    public var description: String {
        switch self {
        case .dns(let name): "DNS:\(name)"
        case .ipAddress(let address): "IP:\(address)"
        case .uri(let uri): "URI:\(uri)"
        case .email(let email): "email:\(email)"
        }
    }

    /// The kind, for JSON output: `dns`, `ip`, `uri`, `email`.
    public var kind: String {
        switch self {
        case .dns: "dns"
        case .ipAddress: "ip"
        case .uri: "uri"
        case .email: "email"
        }
    }

    /// The value without its kind.
    public var value: String {
        switch self {
        case .dns(let v), .ipAddress(let v), .uri(let v), .email(let v): v
        }
    }

    // MARK: Validation

    private static func invalid(_ input: String, _ why: String) -> CertToolsError {
        CertToolsError(
            .invalidSubjectAlternativeName,
            "\"\(input)\" is not a valid host name, IP address, URI or email address: \(why)"
        )
    }

    /// A host name of letters, digits and hyphens (a leading `*.` wildcard allowed), at most
    /// 253 characters with labels of at most 63, lower-cased.
    static func validatedDNS(_ name: String, input: String) throws -> String {
        guard !name.isEmpty else { throw invalid(input, "it is empty") }
        guard name.allSatisfy(\.isASCII) else {
            throw invalid(input, "non-ASCII names must be given in punycode (xn--…)")
        }
        guard name.count <= 253 else { throw invalid(input, "it is longer than 253 characters") }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.last == "" && labels.count > 1 { labels.removeLast() }  // a trailing dot
        for (index, label) in labels.enumerated() {
            if label == "*" && index == 0 && labels.count > 2 { continue }
            guard !label.isEmpty else { throw invalid(input, "it has an empty label") }
            guard label.count <= 63 else { throw invalid(input, "the label \"\(label)\" is longer than 63 characters") }
            guard label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw invalid(input, "the label \"\(label)\" may only hold letters, digits and hyphens")
            }
            guard label.first != "-", label.last != "-" else {
                throw invalid(input, "the label \"\(label)\" starts or ends with a hyphen")
            }
        }
        return name.lowercased()
    }

    static func normalizedIP(_ text: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return text }
        var v6 = in6_addr()
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if inet_pton(AF_INET6, text, &v6) == 1, inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil {
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        return nil
    }

    private static func validatedIP(_ text: String, input: String) throws -> String {
        guard let ip = normalizedIP(text) else { throw invalid(input, "it is not an IPv4 or IPv6 address") }
        return ip
    }

    private static func validatedURI(_ text: String, input: String) throws -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme, !scheme.isEmpty,
            !text.contains(" "), !text.contains(","), !text.hasSuffix(":"), !text.hasSuffix("://")
        else { throw invalid(input, "it is not a URI with a scheme (spiffe://…, https://…)") }
        return text
    }

    private static func validatedEmail(_ text: String, input: String) throws -> String {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains(" "), !parts[0].contains(",") else {
            throw invalid(input, "an email address needs one @ with a local part before it")
        }
        _ = try validatedDNS(String(parts[1]), input: input)
        return text
    }
}
