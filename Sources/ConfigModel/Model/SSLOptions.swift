/// `ssl_options.crl_unavailable`: fail closed (refuse the client, the default, as EMQX
/// does) or fail open (accept it, with a warning in the log).
public enum CRLUnavailablePolicy: String, Sendable, CaseIterable {
    case failClosed = "fail_closed"
    case failOpen = "fail_open"
}

/// `ssl_options.session_tickets` (EMQX 5.10): whether clients get a ticket to resume with.
/// Beyond EMQX, whose default is `disabled`: `stateless` unless `reuse_sessions = false` or
/// `enable_crl_check`, so devices reconnecting after an outage resume instead of paying a full
/// handshake each (user-needs #12, reconnect storms).
public enum SessionTickets: String, Sendable, CaseIterable {
    case disabled
    case stateless
    /// OpenSSL's stateless tickets always carry the client certificate, so this is
    /// `stateless` under another name.
    case statelessWithCert = "stateless_with_cert"
}

/// A listener's `ssl_options` (ssl, wss and quic), with EMQX 5.8's defaults.
public struct SSLOptions: Sendable {
    public var certfile: Located<String>
    public var keyfile: Located<String>
    /// `""` means no CA file.
    public var cacertfile: Located<String>
    public var password: Located<Secret>?
    public var verify = VerifyMode.verifyNone
    public var failIfNoPeerCert = false
    public var depth = 10
    public var versions: Located<[TLSVersion]>
    public var ciphers: Located<[String]>
    public var honorCipherOrder = true
    public var secureRenegotiate = true
    public var clientRenegotiation = true
    public var reuseSessions = true
    public var sessionTickets = SessionTickets.stateless
    /// Where `session_tickets` was set (nil when it was not), for diagnostics about it.
    public var sessionTicketsLocation: SourceLocation?
    public var handshakeTimeout = ConfigDuration.seconds(15)
    public var dhfile: Located<String>?
    public var ocsp: OCSPConfig?
    public var enableCRLCheck = false
    /// Beyond EMQX: a PEM file of CRLs (any number of X509 CRL blocks) used with those
    /// fetched from distribution points, for offline sites; re-read when it changes.
    public var crlfile: Located<String>?
    /// Beyond EMQX: what happens to a client whose CRL cannot be had (none fetched, the
    /// distribution point unreachable, or the cached one past its nextUpdate).
    public var crlUnavailable = CRLUnavailablePolicy.failClosed
    /// Where the `ssl_options` object starts.
    public var location: SourceLocation?
    /// Where each key of the object is written. With dotted keys
    /// (`listeners.ssl.default.ssl_options.verify = …`) the object starts at its first key, so
    /// a diagnostic about one setting must point at that setting's own line.
    private var keyLocations: [String: SourceLocation] = [:]

    /// Where `key` is written, else where the object is (for a default).
    public func location(of key: String) -> SourceLocation? { keyLocations[key] ?? location }

    /// The defaults of the implicit ssl:default listener: the three files under etc/certs.
    static func defaults(keyPath: String, context: DecodingContext) -> SSLOptions {
        var reader = ObjectReader(nil, keyPath: keyPath, context: context)
        return SSLOptions(&reader, listenerType: .ssl, context: context)
    }

    /// `dashboard`: the admin endpoint's https, which has no OCSP or CRL options.
    init(_ reader: inout ObjectReader, listenerType: ListenerType, context: DecodingContext, dashboard: Bool = false) {
        location = reader.location
        func file(_ key: String, _ fallback: String) -> Located<String> {
            context.expandPath(reader.located(key) ?? Located(fallback, at: nil, keyPath: reader.path(key)))
        }
        certfile = file("certfile", "${EMQX_ETC_DIR}/certs/cert.pem")
        keyfile = file("keyfile", "${EMQX_ETC_DIR}/certs/key.pem")
        cacertfile = file("cacertfile", "${EMQX_ETC_DIR}/certs/cacert.pem")
        password = reader.secret()
        verify = reader.choice("verify", default: .verifyNone)
        failIfNoPeerCert = reader.bool("fail_if_no_peer_cert", default: false)
        depth = reader.integer("depth", default: 10, range: 0...Int.max)
        versions = reader.tlsVersions()
        ciphers = reader.cipherNames()
        honorCipherOrder = reader.bool("honor_cipher_order", default: true)
        secureRenegotiate = reader.bool("secure_renegotiate", default: true)
        clientRenegotiation = reader.bool("client_renegotiation", default: true)
        reuseSessions = reader.bool("reuse_sessions", default: true)
        handshakeTimeout = reader.duration("handshake_timeout", default: .seconds(15))
        dhfile = reader.located("dhfile").map(context.expandPath)
        reader.notApplied(["hibernate_after", "log_level"], why: "these tune Erlang's TLS processes")
        reader.notApplied(["cacerts"], why: "deprecated since EMQX 5.1.4; cacertfile is used")
        reader.notApplied(["user_lookup_fun"], why: "PSK lookups go to emqxctl's PSK store")
        reader.notApplied(
            ["partial_chain", "verify_peer_ext_key_usage"], .warning,
            why: "EMQX Enterprise options; client chains are verified to a root in cacertfile, whatever their key usage")
        switch listenerType {
        case .ssl,
            .wss where !dashboard:
            if listenerType == .wss {
                // EMQX refuses these on wss; emqxctl gives wss all that ssl has.
                for key in ["ocsp", "enable_crl_check", "crlfile", "crl_unavailable"] where reader.value(key) != nil {
                    reader.sink.report(
                        .unsupportedOnListener, .warning, reader.keyLocation(key), reader.path(key),
                        "EMQX refuses to load \(key) on a wss listener; emqxctl serve applies it",
                        hint: "keep it if only emqxctl serves this config; EMQX needs it on a listeners.ssl.<name> block")
                }
            }
            reader.notApplied(["gc_after_handshake"], why: "emqxctl does not run Erlang's garbage collector")
            let ocspReader = reader.value("ocsp")
            if let ocspReader {
                var nested = ObjectReader(ocspReader, keyPath: reader.path("ocsp"), context: context)
                ocsp = OCSPConfig(&nested, context: context)
            }
            enableCRLCheck = reader.bool("enable_crl_check", default: false)
            crlfile = reader.located("crlfile").map(context.expandPath)
            crlUnavailable = reader.choice("crl_unavailable", default: .failClosed)
        case .quic:
            reader.notApplied(["enable_crl_check", "gc_after_handshake"], why: "EMQX ignores it on quic listeners")
            rejectOnListener(&reader, key: "ocsp", type: listenerType)
        default:
            rejectOnListener(&reader, key: "ocsp", type: listenerType)
            rejectOnListener(&reader, key: "enable_crl_check", type: listenerType)
            rejectOnListener(&reader, key: "crlfile", type: listenerType)
            rejectOnListener(&reader, key: "crl_unavailable", type: listenerType)
            rejectOnListener(&reader, key: "gc_after_handshake", type: listenerType)
        }
        if reader.value("session_tickets") != nil { sessionTicketsLocation = reader.keyLocation("session_tickets") }
        // A resumed session shows no certificate, so it would skip the CRL check: no tickets
        // by default where CRLs are checked.
        sessionTickets = reader.choice("session_tickets", default: reuseSessions && !enableCRLCheck ? .stateless : .disabled)
        for key in reader.object.keys { keyLocations[key] = reader.object.keyLocation(key) }
        reader.finish()
    }

    /// OCSP and CRL options exist only on ssl listeners; say so instead of "unknown key".
    private func rejectOnListener(_ reader: inout ObjectReader, key: String, type: ListenerType) {
        guard reader.value(key) != nil else { return }
        reader.sink.report(
            .unsupportedOnListener, .error, reader.keyLocation(key), reader.path(key),
            "\(key) is not supported on \(type.rawValue) listeners (EMQX rejects it there)",
            hint: "OCSP stapling and CRL checks work on ssl listeners only; move this to a listeners.ssl.<name> block"
        )
    }
}
