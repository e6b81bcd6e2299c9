public import CertTools
public import ConfigModel

/// The files behind one served ssl listener, as preflight read and checked them: what `serve`
/// builds the listener's TLS from, so that nothing is read a second time between the check
/// and the bind (crlfile excepted: the CRL cache watches it for changes).
public struct ListenerMaterial: Sendable {
    /// certfile: the served chain, leaf first.
    public var chain: [Certificate]
    /// keyfile, decrypted with the password.
    public var privateKey: PrivateKey
    /// cacertfile: the CAs client certificates are verified against (empty without one).
    public var authorities: [Certificate]
    /// dhfile's group, when one is set.
    public var dhParameters: DHParameters?
    /// ocsp.issuer_pem's certificate, when OCSP stapling is on.
    public var ocspIssuer: Certificate?

    public init(
        chain: [Certificate], privateKey: PrivateKey, authorities: [Certificate], dhParameters: DHParameters? = nil,
        ocspIssuer: Certificate? = nil
    ) {
        self.chain = chain
        self.privateKey = privateKey
        self.authorities = authorities
        self.dhParameters = dhParameters
        self.ocspIssuer = ocspIssuer
    }
}

/// What preflight found: every problem, and the material of each served ssl listener whose
/// files could all be read, by listener id.
public struct PreflightReport: Sendable {
    public var diagnostics: [Diagnostic]
    public var material: [String: ListenerMaterial]
    /// The admin endpoint's https files, when it has an https listener and they could be read.
    public var dashboard: ListenerMaterial?

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
