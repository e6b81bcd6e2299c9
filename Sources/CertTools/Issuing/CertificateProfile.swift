/// What a certificate is for, which decides its extensions.
///
/// The extension sets are the ones every TLS client we test against accepts, including
/// strict verifiers such as Python 3.13's (which insists on AKI) and OpenSSL's X509_V_FLAG_X509_STRICT:
///
/// | profile | basicConstraints | keyUsage | extendedKeyUsage |
/// |---|---|---|---|
/// | root CA | critical, CA:TRUE | critical, keyCertSign, cRLSign | — |
/// | intermediate CA | critical, CA:TRUE, pathlen:0 | critical, keyCertSign, cRLSign | — |
/// | server | critical, CA:FALSE | critical, digitalSignature (+ keyEncipherment for RSA) | serverAuth |
/// | client | critical, CA:FALSE | critical, digitalSignature (+ keyEncipherment for RSA) | clientAuth |
///
/// Every certificate gets a subjectKeyIdentifier; every issued one an authorityKeyIdentifier.
public enum CertificateProfile: String, Sendable, CaseIterable {
    case rootCA = "root-ca"
    case intermediateCA = "intermediate-ca"
    case server
    case client

    public var isCA: Bool { self == .rootCA || self == .intermediateCA }

    var basicConstraints: String {
        switch self {
        case .rootCA: "critical,CA:TRUE"
        case .intermediateCA: "critical,CA:TRUE,pathlen:0"
        case .server, .client: "critical,CA:FALSE"
        }
    }

    func keyUsage(rsa: Bool) -> String {
        switch self {
        case .rootCA, .intermediateCA: "critical,keyCertSign,cRLSign"
        case .server, .client: rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"
        }
    }

    var extendedKeyUsage: String? {
        switch self {
        case .rootCA, .intermediateCA: nil
        case .server: "serverAuth"
        case .client: "clientAuth"
        }
    }
}
