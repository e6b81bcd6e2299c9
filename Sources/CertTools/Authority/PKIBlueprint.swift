public import Foundation

/// Everything `cert gen` makes in one go: a root CA, optionally an intermediate, a server
/// certificate and client certificates, with the issuing CA's database.
public struct PKIBlueprint: Sendable {
    public var keyAlgorithm: KeyAlgorithm = .ecP256
    public var caDays = 3650
    public var leafDays = 825
    /// Subject fields shared by every certificate (the CN is set per certificate).
    public var organization: String?
    public var organizationalUnit: String?
    public var locality: String?
    public var stateOrProvince: String?
    public var country: String?
    /// Distinct for each PKI (`emqxctl Root CA root@host 3f9a1c`, as mkcert names its CAs after
    /// user@host), so that a certificate from one `cert gen` checked against another's CA file
    /// is told "issued by a different CA", not a CA of the same name that is there.
    public var caCommonName = "emqxctl Root CA \(PKIBlueprint.distinctSuffix)"
    public var intermediateCommonName = "emqxctl Intermediate CA \(PKIBlueprint.distinctSuffix)"

    /// `user@host` and six random hex digits, the same within one process.
    public static let distinctSuffix: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0 ? buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : "host"
        let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
        let random = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        return "\(user)@\(host) \(String(repeating: "0", count: 6 - random.count))\(random)"
    }()
    public var serverCommonName: String?
    public var clientCommonName = "client"
    /// The server's SANs; `defaultServerNames()` when left empty.
    public var serverNames: [SubjectAlternativeName] = []
    /// Extra clients, each written as `NAME-cert.pem` / `NAME-key.pem` with CN=NAME.
    public var extraClients: [String] = []
    public var intermediate = false
    public var crlDistributionPoint: String?
    public var ocspResponder: String?
    /// Encrypts the CA keys (root and intermediate) with AES-256-CBC.
    public var caPassphrase: Passphrase?

    public init() {}

    /// `localhost`, `127.0.0.1`, `::1` and this machine's host name: what a broker on a
    /// developer's machine is reached by.
    public static func defaultServerNames() -> [SubjectAlternativeName] {
        var names: [SubjectAlternativeName] = [.dns("localhost"), .ipAddress("127.0.0.1"), .ipAddress("::1")]
        var buffer = [CChar](repeating: 0, count: 256)
        if gethostname(&buffer, buffer.count) == 0 {
            let host = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if let name = try? SubjectAlternativeName(classifying: "DNS:" + host), !names.contains(name) {
                names.append(name)
            }
        }
        return names
    }

    /// Makes every key and certificate, in memory, and returns the files to write.
    public func build(now: Date = Date()) throws -> [OutputFile] {
        let extraFiles = try extraClients.map { try CAFolderLayout.files(forName: $0) }
        guard Set(extraClients).count == extraClients.count else {
            throw CertToolsError(.invalidArgument, "a client name is given twice")
        }
        if let url = crlDistributionPoint { _ = try validatedExtensionURL(url, option: "--crl-url") }
        if let url = ocspResponder { _ = try validatedExtensionURL(url, option: "--ocsp-url") }
        guard leafDays <= caDays else {
            throw CertToolsError(.invalidArgument, "leaf validity (\(leafDays) days) must not exceed the CA's (\(caDays) days)")
        }
        var files: [OutputFile] = []

        let rootKey = try PrivateKey.generate(keyAlgorithm)
        let rootSpec = CertificateSpec(subject: subject(caCommonName), profile: .rootCA, validity: try Validity(days: caDays, from: now))
        let root = try CertificateIssuer(selfSigningWith: rootKey).issue(rootSpec, subjectKey: rootKey, serial: try .random())
        files.append(OutputFile(name: CAFolderLayout.rootCertificate, text: root.pemEncoded, kind: .certificate))
        files.append(OutputFile(name: CAFolderLayout.rootKey, text: try rootKey.pemEncoded(passphrase: caPassphrase), kind: .secret))

        var intermediateCertificate: Certificate?
        var issuer = try CertificateIssuer(certificate: root, key: rootKey)
        if intermediate {
            let key = try PrivateKey.generate(keyAlgorithm)
            // The intermediate ends a day before the root, so the root never expires first.
            let validity = Validity(notBefore: rootSpec.notBefore, notAfter: root.notAfter.addingTimeInterval(-86400))
            let spec = CertificateSpec(
                subject: subject(intermediateCommonName),
                profile: .intermediateCA, validity: validity,
                crlDistributionPoint: crlDistributionPoint, ocspResponder: ocspResponder
            )
            let certificate = try issuer.issue(spec, subjectKey: key, serial: try .random())
            files.append(OutputFile(name: CAFolderLayout.intermediateCertificate, text: certificate.pemEncoded, kind: .certificate))
            files.append(
                OutputFile(name: CAFolderLayout.intermediateKey, text: try key.pemEncoded(passphrase: caPassphrase), kind: .secret))
            intermediateCertificate = certificate
            issuer = try CertificateIssuer(certificate: certificate, key: key)
        }

        var authority = CertificateAuthority(
            folder: "", root: root, intermediate: intermediateCertificate, issuer: issuer,
            database: CADatabase(), nextCRLNumber: try SerialNumber(hex: "01")
        )
        let leafValidity = try Validity(days: leafDays, from: now)
        let names = serverNames.isEmpty ? Self.defaultServerNames() : serverNames
        let serverCN = serverCommonName ?? names.first { if case .dns = $0 { true } else { false } }?.value ?? "localhost"
        let leaves: [(CertificateSpec, String, String)] =
            [
                (leafSpec(serverCN, .server, names, leafValidity), CAFolderLayout.serverCertificate, CAFolderLayout.serverKey),
                (leafSpec(clientCommonName, .client, [], leafValidity), CAFolderLayout.clientCertificate, CAFolderLayout.clientKey),
            ] + zip(extraClients, extraFiles).map { name, file in (leafSpec(name, .client, [], leafValidity), file.certificate, file.key) }
        for (spec, certificateName, keyName) in leaves {
            let issued = try authority.issue(spec, keyAlgorithm: keyAlgorithm)
            files.append(OutputFile(name: certificateName, text: issued.chainPEM, kind: .certificate))
            files.append(OutputFile(name: keyName, text: try issued.key.pemEncoded(), kind: .secret))
        }
        return files + authority.stateFiles
    }

    /// A leaf spec with this blueprint's subject fields and URLs.
    public func leafSpec(_ commonName: String, _ profile: CertificateProfile, _ names: [SubjectAlternativeName], _ validity: Validity)
        -> CertificateSpec
    {
        CertificateSpec(
            subject: subject(commonName), profile: profile, subjectAlternativeNames: names, validity: validity,
            crlDistributionPoint: crlDistributionPoint, ocspResponder: ocspResponder
        )
    }

    func subject(_ commonName: String) -> DistinguishedName {
        DistinguishedName(
            commonName: commonName, organization: organization, organizationalUnit: organizationalUnit,
            locality: locality, stateOrProvince: stateOrProvince, country: country
        )
    }
}
