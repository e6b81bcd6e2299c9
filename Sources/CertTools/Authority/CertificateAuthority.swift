public import Foundation

/// A CA folder made by `cert gen`: its root, optional intermediate, and the issuing CA's
/// database, loaded for issuing, revoking and publishing CRLs.
///
/// The issuing CA is the intermediate when there is one, else the root. Serials are random
/// (see `SerialNumber.random`), so the folder keeps no serial counter; index.txt records every
/// serial issued, and a collision with one is retried.
public struct CertificateAuthority: Sendable {
    public let folder: String
    public let root: Certificate
    public let intermediate: Certificate?
    public let issuer: CertificateIssuer
    public private(set) var database: CADatabase
    /// The cRLNumber the next CRL gets.
    public private(set) var nextCRLNumber: SerialNumber

    /// The issuing CA's certificate.
    public var issuingCertificate: Certificate { intermediate ?? root }

    /// Opens `folder`. `passphrase` decrypts the issuing CA's key when it is encrypted.
    public static func open(folder: String, passphrase: Passphrase? = nil) throws -> CertificateAuthority {
        let path = { (name: String) in (folder as NSString).appendingPathComponent(name) }
        let rootPath = path(CAFolderLayout.rootCertificate)
        guard FileManager.default.fileExists(atPath: rootPath) else {
            throw CertToolsError(
                .invalidCAFolder,
                "no \(CAFolderLayout.rootCertificate) here: this is not a CA folder made by emqxctl cert gen",
                path: folder
            )
        }
        let root = try single(try CryptoFile.certificates(path: rootPath), path: rootPath)
        let intermediatePath = path(CAFolderLayout.intermediateCertificate)
        let intermediate =
            FileManager.default.fileExists(atPath: intermediatePath)
            ? try single(try CryptoFile.certificates(path: intermediatePath), path: intermediatePath) : nil
        let keyPath = path(intermediate == nil ? CAFolderLayout.rootKey : CAFolderLayout.intermediateKey)
        let key = try CryptoFile.privateKey(path: keyPath, passphrase: passphrase)
        let issuing = intermediate ?? root
        guard key.matches(issuing) else {
            throw CertToolsError(.keyMismatch, "this key does not belong to the CA certificate \(issuing.subject)", path: keyPath)
        }
        let databasePath = path(CAFolderLayout.database)
        let database =
            FileManager.default.fileExists(atPath: databasePath)
            ? try CADatabase(parsing: String(decoding: try FileContents.read(databasePath), as: UTF8.self), path: databasePath)
            : CADatabase()
        let numberPath = path(CAFolderLayout.crlNumber)
        var number = try SerialNumber(hex: "01")
        if FileManager.default.fileExists(atPath: numberPath) {
            let text = String(decoding: try FileContents.read(numberPath), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            do { number = try SerialNumber(hex: text) } catch {
                throw CertToolsError(.invalidCAFolder, "\"\(text)\" is not a hex CRL number", path: numberPath)
            }
        }
        return CertificateAuthority(
            folder: folder, root: root, intermediate: intermediate,
            issuer: try CertificateIssuer(certificate: issuing, key: key),
            database: database, nextCRLNumber: number
        )
    }

    init(
        folder: String, root: Certificate, intermediate: Certificate?, issuer: CertificateIssuer, database: CADatabase,
        nextCRLNumber: SerialNumber
    ) {
        self.folder = folder
        self.root = root
        self.intermediate = intermediate
        self.issuer = issuer
        self.database = database
        self.nextCRLNumber = nextCRLNumber
    }

    /// Issues a leaf for a fresh key of `algorithm` and records it.
    public mutating func issue(_ spec: CertificateSpec, keyAlgorithm algorithm: KeyAlgorithm) throws -> IssuedCertificate {
        let key = try PrivateKey.generate(algorithm)
        var serial = try SerialNumber.random()
        while database.record(for: serial) != nil { serial = try SerialNumber.random() }
        let certificate = try issuer.issue(spec, subjectKey: key, serial: serial)
        database.add(certificate)
        return IssuedCertificate(certificate: certificate, key: key, chain: intermediate.map { [$0] } ?? [])
    }

    /// Marks `serial` revoked in the database; the next `makeCRL` lists it.
    public mutating func revoke(_ serial: SerialNumber, reason: RevocationReason?, at date: Date) throws {
        try database.revoke(serial, reason: reason, at: date)
    }

    /// A CRL of everything revoked so far, valid for `days` from `now`; advances the CRL number.
    public mutating func makeCRL(days: Int, now: Date) throws -> CertificateRevocationList {
        guard (1...3650).contains(days) else {
            throw CertToolsError(.invalidArgument, "a CRL must be valid for 1 to 3650 days, not \(days)")
        }
        let crl = try issuer.issueCRL(
            revoked: database.revoked, number: nextCRLNumber,
            thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(TimeInterval(days) * 86400)
        )
        nextCRLNumber = nextCRLNumber.successor
        return crl
    }

    /// index.txt (with its attributes) and crlnumber as they are now.
    public var stateFiles: [OutputFile] {
        [
            OutputFile(name: CAFolderLayout.database, text: database.rendered, kind: .state),
            OutputFile(name: CAFolderLayout.databaseAttributes, text: "unique_subject = no\n", kind: .state),
            OutputFile(name: CAFolderLayout.crlNumber, text: nextCRLNumber.hex + "\n", kind: .state),
        ]
    }

    private static func single(_ certificates: [Certificate], path: String) throws -> Certificate {
        guard certificates.count == 1, let certificate = certificates.first else {
            throw CertToolsError(.invalidCAFolder, "expected exactly one CA certificate, found \(certificates.count)", path: path)
        }
        return certificate
    }
}

/// A certificate with its fresh key and the intermediates a server must send after it.
public struct IssuedCertificate: Sendable {
    public let certificate: Certificate
    public let key: PrivateKey
    /// Intermediates between the leaf and the root, leaf side first (not the root).
    public let chain: [Certificate]

    /// The leaf followed by its intermediates: what `certfile` must hold.
    public var chainPEM: String { ([certificate] + chain).map(\.pemEncoded).joined() }
}

extension SerialNumber {
    /// This number plus one.
    var successor: SerialNumber {
        var value = bytes
        var index = value.count - 1
        while index >= 0 {
            if value[index] == 0xFF {
                value[index] = 0
                index -= 1
            } else {
                value[index] += 1
                return SerialNumber(bytes: value)
            }
        }
        return SerialNumber(bytes: [1] + value)
    }
}
