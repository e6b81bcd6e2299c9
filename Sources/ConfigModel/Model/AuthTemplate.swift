import Foundation

/// A string with EMQX's authentication placeholders (`${username}`, `${cert_common_name}`, …),
/// parsed once at load: literal text and variable names, in order. `${$}` is a literal `$`.
///
/// Beyond EMQX (its Q10): an unknown name is a config error, not a literal `${name}` sent to
/// the backend with a warning.
public struct AuthTemplate: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case text(String)
        case variable(String)
    }

    public let pieces: [Piece]

    /// EMQX 5.8's names (`AUTHN_DEFAULT_ALLOWED_VARS`), plus 5.9's `peerport` and `listener`.
    public static let variables: Set<String> = [
        "username", "clientid", "password", "peerhost", "peerport", "listener", "cert_subject", "cert_common_name", "cert_pem", "zone",
    ]

    /// Parses `text`; the names it uses that are not placeholders come back in `unknown`.
    public static func parse(_ text: String) -> (template: AuthTemplate, unknown: [String]) {
        var pieces: [Piece] = []
        var unknown: [String] = []
        var rest = Substring(text)
        var literal = ""
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            literal += rest[..<open.lowerBound]
            let name = String(rest[open.upperBound..<close])
            if name == "$" {
                literal += "$"
            } else {
                if !literal.isEmpty { pieces.append(.text(literal)) }
                literal = ""
                if !variables.contains(name) && !name.hasPrefix("client_attrs.") { unknown.append(name) }
                pieces.append(.variable(name))
            }
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { pieces.append(.text(literal)) }
        return (AuthTemplate(pieces: pieces), unknown)
    }

    /// The text with each variable replaced by `value(name)`, passed through `encode`.
    public func render(_ value: (String) -> String, encode: (String) -> String = { $0 }) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .variable(let name): out += encode(value(name))
            }
        }
        return out
    }

    /// Whether the template has no variable.
    public var isLiteral: Bool { !pieces.contains { if case .variable = $0 { true } else { false } } }
}
