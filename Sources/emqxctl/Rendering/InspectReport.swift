import CertTools
import Foundation

/// What `cert inspect` knows about one object, shaped for both the text and JSON views.
struct InspectReport: Encodable {
    var file: String
    var line: Int?
    var position: Int
    var kind: String
    var subject: String?
    var issuer: String?
    var serial: String?
    var notBefore: Date?
    var notAfter: Date?
    var daysLeft: Int?
    var key: String?
    var signatureAlgorithm: String?
    var isCA: Bool?
    var pathLength: Int?
    var keyUsage: [String]?
    var extendedKeyUsage: [String]?
    var subjectAltNames: [String]?
    var subjectKeyId: String?
    var authorityKeyId: String?
    var crlDistributionPoints: [String]?
    var ocspResponders: [String]?
    var sha256Fingerprint: String?
    var publicKeySha256: String?
    var signatureValid: Bool?
    var thisUpdate: Date?
    var nextUpdate: Date?
    var crlNumber: String?
    var revoked: [RevokedEntry]?
    var warnings: [String] = []

    struct RevokedEntry: Encodable {
        var serial: String
        var date: Date
        var reason: String?
    }

    init(file: String, line: Int?, position: Int, object: CryptoObject, now: Date) {
        self.file = file
        self.line = line
        self.position = position
        self.kind = object.kindName
        switch object {
        case .certificate(let certificate): fill(certificate, now: now)
        case .privateKey(let key):
            self.key = key.keyDescription.description
            publicKeySha256 = key.publicKeyFingerprint.colonHex
        case .publicKey(let key):
            self.key = key.keyDescription.description
            publicKeySha256 = key.fingerprint.colonHex
        case .certificateRequest(let request):
            subject = request.subject.description
            key = request.publicKeyDescription?.description
            subjectAltNames = request.subjectAlternativeNames.map(\.description)
            signatureValid = request.isSignatureValid
        case .crl(let crl): fill(crl, now: now)
        }
    }

    private mutating func fill(_ certificate: Certificate, now: Date) {
        subject = certificate.subject.description
        issuer = certificate.issuer.description
        serial = certificate.serialNumber.colonHex
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        daysLeft = Int((certificate.notAfter.timeIntervalSince(now) / 86400).rounded(.down))
        key = certificate.publicKeyDescription?.description
        signatureAlgorithm = certificate.signatureAlgorithm
        isCA = certificate.isCA
        pathLength = certificate.pathLengthConstraint
        keyUsage = certificate.keyUsage
        extendedKeyUsage = certificate.extendedKeyUsage
        subjectAltNames = certificate.subjectAlternativeNames.map(\.description)
        subjectKeyId = certificate.subjectKeyIdentifier
        authorityKeyId = certificate.authorityKeyIdentifier
        crlDistributionPoints = certificate.crlDistributionPoints
        ocspResponders = certificate.ocspResponders
        sha256Fingerprint = certificate.sha256Fingerprint.colonHex
        publicKeySha256 = certificate.publicKeyFingerprint.colonHex
        if certificate.notAfter < now { warnings.append("expired \(-daysLeft!) days ago") }
        if certificate.notBefore > now { warnings.append("not valid yet: check the clock") }
        if !certificate.isCA && certificate.subjectAlternativeNames.isEmpty {
            warnings.append("no subjectAltName: TLS clients that verify host names will reject it")
        }
    }

    private mutating func fill(_ crl: CertificateRevocationList, now: Date) {
        issuer = crl.issuer.description
        thisUpdate = crl.thisUpdate
        nextUpdate = crl.nextUpdate
        crlNumber = crl.crlNumber?.hex
        revoked = crl.entries.map { RevokedEntry(serial: $0.serialNumber.colonHex, date: $0.revocationDate, reason: $0.reason?.rawValue) }
        if let next = crl.nextUpdate, next < now {
            warnings.append("past its nextUpdate: clients that check CRLs will refuse every certificate it covers")
        }
        if crl.nextUpdate == nil { warnings.append("no nextUpdate (RFC 5280 requires one)") }
    }
}

extension InspectReport {
    /// The text view: a heading per object, then aligned `label: value` lines.
    var text: String {
        var lines = ["\(file)\(line.map { ":\($0)" } ?? ""): \(kind) \(position)"]
        func add(_ label: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append("  " + (label + ":").padding(toLength: 20, withPad: " ", startingAt: 0) + value)
        }
        add("subject", subject)
        add("issuer", issuer)
        add("serial", serial)
        if let notBefore, let notAfter {
            let left = daysLeft.map { $0 >= 0 ? " (\($0) days left)" : " (expired)" } ?? ""
            add("valid", "\(UTCDate.time(notBefore)) to \(UTCDate.time(notAfter))\(left)")
        }
        add("key", key)
        add("signature", signatureAlgorithm)
        if let isCA { add("CA", isCA ? "yes" + (pathLength.map { ", path length \($0)" } ?? "") : "no") }
        add("key usage", keyUsage?.joined(separator: ", "))
        add("ext key usage", extendedKeyUsage?.joined(separator: ", "))
        add("SANs", subjectAltNames?.joined(separator: ", "))
        add("SKI", subjectKeyId)
        add("AKI", authorityKeyId)
        add("CRL DP", crlDistributionPoints?.joined(separator: ", "))
        add("OCSP", ocspResponders?.joined(separator: ", "))
        add("SHA-256", sha256Fingerprint)
        add("public key SHA-256", publicKeySha256)
        if let signatureValid { add("signature ok", signatureValid ? "yes" : "NO") }
        if let thisUpdate { add("this update", UTCDate.time(thisUpdate)) }
        if let nextUpdate { add("next update", UTCDate.time(nextUpdate)) }
        add("CRL number", crlNumber)
        if let revoked {
            add("revoked", revoked.isEmpty ? "none" : "\(revoked.count)")
            for entry in revoked {
                lines.append("    \(entry.serial)  \(UTCDate.time(entry.date))\(entry.reason.map { "  \($0)" } ?? "")")
            }
        }
        for warning in warnings { lines.append("  warning: \(warning)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
