/// Every diagnostic code emqxctl defines, in one place so the list in the README and the
/// codes in messages cannot drift apart.
extension Diagnostic.Code {
    // MARK: HOCON syntax and structure
    /// The main config file does not exist.
    public static let configFileMissing: Self = "config-file-missing"
    /// A lexical or syntax error.
    public static let hoconSyntax: Self = "hocon-syntax"
    /// An included (or the main) file cannot be read.
    public static let hoconIncludeMissing: Self = "hocon-include-missing"
    /// A file includes itself, directly or through others.
    public static let hoconIncludeCycle: Self = "hocon-include-cycle"
    /// A `${…}` that is undefined or part of a cycle.
    public static let hoconSubstitution: Self = "hocon-substitution"

    // MARK: Schema
    /// A key the schema does not know (with a did-you-mean).
    public static let unknownKey: Self = "unknown-key"
    /// A value of the wrong type, or one that does not parse as its type.
    public static let invalidValue: Self = "invalid-value"
    /// A number or duration out of its allowed range.
    public static let outOfRange: Self = "out-of-range"
    /// A bare number where a duration is expected: it means milliseconds.
    public static let durationBareNumber: Self = "duration-bare-number"
    /// A key EMQX accepts that has no effect in emqxctl's runtime (note).
    public static let noEffect: Self = "no-effect"
    /// A root emqxctl parses but does not model (note).
    public static let rootNotChecked: Self = "root-not-checked"
    /// `${VAR}` at the start of a path that the environment does not define (warning).
    public static let pathVariableUnset: Self = "path-variable-unset"

    // MARK: Listeners
    public static let listenerName: Self = "listener-name"
    public static let listenerNotServed: Self = "listener-not-served"
    public static let bindInvalid: Self = "bind-invalid"
    public static let bindConflict: Self = "bind-conflict"
    public static let accessRuleInvalid: Self = "access-rule-invalid"
    public static let maxConnectionsInvalid: Self = "max-connections-invalid"

    // MARK: TLS versions and ciphers
    public static let tlsVersionsNotArray: Self = "tls-versions-not-array"
    public static let tlsVersionUnknown: Self = "tls-version-unknown"
    public static let tlsVersionsGap: Self = "tls-versions-gap"
    public static let tlsVersionLegacy: Self = "tls-version-legacy"
    public static let cipherUnknown: Self = "cipher-unknown"
    public static let cipherUnsupported: Self = "cipher-unsupported"
    public static let cipherVersionMismatch: Self = "cipher-version-mismatch"
    public static let cipherKeyMismatch: Self = "cipher-key-mismatch"
    public static let cipherNoneUsable: Self = "cipher-none-usable"
    public static let pskCipherTLS13Only: Self = "psk-cipher-tls13-only"
    public static let rsaPSKNeedsRSACertificate: Self = "rsa-psk-needs-rsa-certificate"
    /// `session_tickets` on, `reuse_sessions` off: TLS 1.2 tickets come with the 1.3 ones.
    public static let sessionTicketsTLS12: Self = "session-tickets-tls12"
    /// `session_tickets` on with `enable_crl_check`: a resumed session skips the CRL check.
    public static let sessionTicketsCRL: Self = "session-tickets-crl"

    // MARK: Peer verification, OCSP, CRL
    public static let verifyPeerRequired: Self = "verify-peer-required"
    public static let verifyPeerWithoutRequirement: Self = "verify-peer-optional"
    public static let ocspIncomplete: Self = "ocsp-incomplete"
    public static let ocspResponderURL: Self = "ocsp-responder-url"
    public static let ocspInterval: Self = "ocsp-interval"
    public static let unsupportedOnListener: Self = "unsupported-on-listener"
    public static let crlInvalid: Self = "crl-invalid"
    public static let crlExpired: Self = "crl-expired"
    public static let crlSource: Self = "crl-source"
    /// `config check --probe`: what the OCSP responder and the CRL distribution points said.
    public static let probeOCSP: Self = "probe-ocsp"
    public static let probeCRL: Self = "probe-crl"
    /// `config check --probe` on an HTTP authentication backend: one real request.
    public static let probeAuthentication: Self = "probe-authentication"

    // MARK: PSK
    /// An authenticator that is malformed, duplicated, or one serve cannot run.
    public static let authenticatorInvalid: Self = "authenticator-invalid"
    /// A `${name}` an HTTP backend's template cannot fill.
    public static let placeholderUnknown: Self = "placeholder-unknown"
    /// A password hash algorithm EMQX accepts in config and then fails on, or clamps.
    public static let passwordHashInvalid: Self = "password-hash-invalid"
    /// An `acl.conf` that is not Erlang terms.
    public static let aclSyntax: Self = "acl-syntax"
    /// An `acl.conf` rule that is not a valid rule.
    public static let aclInvalid: Self = "acl-invalid"
    /// An authorization source that is malformed, duplicated, or one serve cannot ask.
    public static let authorizationSource: Self = "authorization-source"
    /// No acl.conf where EMQX's default source looks: EMQX's shipped rules apply.
    public static let aclDefault: Self = "acl-default"
    /// The admin endpoint's bind: a bare port that binds loopback only (unlike EMQX), or plain
    /// http on an address others can reach.
    public static let dashboardBind: Self = "dashboard-bind"
    /// The open-file limit is below what max_connections allow.
    public static let fileLimit: Self = "file-limit"
    /// The user store (password hashes) open to others than its owner.
    public static let storeFileMode: Self = "store-file-mode"
    /// An authentication backend's URL that cannot be requested.
    public static let authenticationURL: Self = "authentication-url"
    public static let pskChunkSize: Self = "psk-chunk-size"
    public static let pskSeparator: Self = "psk-separator"
    public static let pskInitFile: Self = "psk-init-file"
    /// The PSK store (or its -wal/-shm) open to others, or an init_file readable by everyone.
    public static let pskFileMode: Self = "psk-file-mode"

    // MARK: Preflight (files behind the values)
    public static let fileMissing: Self = "file-missing"
    public static let fileUnreadable: Self = "file-unreadable"
    public static let fileNotPEM: Self = "file-not-pem"
    public static let keyMismatch: Self = "key-mismatch"
    public static let keyPassword: Self = "key-password"
    public static let chainInvalid: Self = "chain-invalid"
    public static let certificateExpired: Self = "certificate-expired"
    public static let certificateExpiring: Self = "certificate-expiring"
    public static let certificateNoSAN: Self = "certificate-no-san"
    public static let ocspIssuerMismatch: Self = "ocsp-issuer-mismatch"
    /// `dhfile` holds a DH group smaller than 2048 bits.
    public static let dhParametersWeak: Self = "dh-parameters-weak"
    /// The broker state store's folder cannot be written, its files are open to others, or
    /// its file system is nearly full.
    public static let stateStore: Self = "state-store"
}
