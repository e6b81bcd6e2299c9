import Foundation

/// CRLReason (RFC 5280 §5.3.1), named as `openssl ca -crl_reason` and index.txt name them.
public enum RevocationReason: String, CaseIterable, Sendable {
    case unspecified
    case keyCompromise
    case caCompromise = "CACompromise"
    case affiliationChanged
    case superseded
    case cessationOfOperation
    case certificateHold
    case removeFromCRL
    case privilegeWithdrawn
    case aaCompromise = "AACompromise"

    /// The ASN.1 ENUMERATED value.
    var code: Int {
        switch self {
        case .unspecified: 0
        case .keyCompromise: 1
        case .caCompromise: 2
        case .affiliationChanged: 3
        case .superseded: 4
        case .cessationOfOperation: 5
        case .certificateHold: 6
        case .removeFromCRL: 8
        case .privilegeWithdrawn: 9
        case .aaCompromise: 10
        }
    }

    init?(code: Int) {
        guard let reason = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = reason
    }

    /// Accepts the names above case-insensitively, plus kebab-case (`key-compromise`).
    public init(parsing text: String) throws {
        let folded = text.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "").lowercased()
        guard let reason = Self.allCases.first(where: { $0.rawValue.lowercased() == folded }) else {
            throw CertToolsError(
                .invalidArgument,
                "\"\(text)\" is not a revocation reason; use one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        self = reason
    }
}
