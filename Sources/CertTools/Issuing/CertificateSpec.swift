public import Foundation

/// Everything about a certificate to issue except the keys and the serial.
public struct CertificateSpec: Sendable {
    public var subject: DistinguishedName
    public var profile: CertificateProfile
    public var subjectAlternativeNames: [SubjectAlternativeName]
    public var notBefore: Date
    public var notAfter: Date
    /// An http(s) URL written as the CRL distribution point.
    public var crlDistributionPoint: String?
    /// An http(s) URL written as the authorityInfoAccess OCSP responder.
    public var ocspResponder: String?

    public init(
        subject: DistinguishedName,
        profile: CertificateProfile,
        subjectAlternativeNames: [SubjectAlternativeName] = [],
        validity: Validity,
        crlDistributionPoint: String? = nil,
        ocspResponder: String? = nil
    ) {
        self.subject = subject
        self.profile = profile
        self.subjectAlternativeNames = subjectAlternativeNames
        self.notBefore = validity.notBefore
        self.notAfter = validity.notAfter
        self.crlDistributionPoint = crlDistributionPoint
        self.ocspResponder = ocspResponder
    }
}

/// A validity window.
public struct Validity: Sendable {
    public var notBefore: Date
    public var notAfter: Date

    /// How far notBefore is set back from now, so that a device whose clock is a little behind
    /// does not reject a certificate issued a minute ago as "not yet valid".
    public static let defaultBackdate: TimeInterval = 3600

    public init(notBefore: Date, notAfter: Date) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// `days` days from `now`, with notBefore set back by `backdate` seconds.
    public init(days: Int, from now: Date, backdate: TimeInterval = Validity.defaultBackdate) throws {
        guard (1...36500).contains(days) else {
            throw CertToolsError(.invalidArgument, "validity must be between 1 and 36500 days, not \(days)")
        }
        notBefore = now.addingTimeInterval(-backdate)
        notAfter = now.addingTimeInterval(TimeInterval(days) * 86400)
    }
}

/// Checks a URL for the CRL distribution point or OCSP extension: http or https, a host, and
/// none of the characters that OpenSSL's extension syntax would split on.
func validatedExtensionURL(_ url: String, option: String) throws -> String {
    guard let components = URLComponents(string: url),
        let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
        let host = components.host, !host.isEmpty,
        !url.contains(","), !url.contains(" ")
    else {
        throw CertToolsError(.invalidArgument, "\(option) \"\(url)\" is not an http:// or https:// URL")
    }
    return url
}
