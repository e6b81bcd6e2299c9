import Foundation

/// Cross-field rules on values alone (no files): EMQX's validators, plus the footguns users
/// hit (user-needs #11). File and crypto checks are BrokerRuntime's preflight.
enum ConfigRules {
    static func check(_ config: BrokerConfig, sink: DiagnosticSink) {
        for listener in config.listeners where listener.enable {
            if let ssl = listener.sslOptions {
                checkPeerVerification(ssl, listener: listener, sink: sink)
                checkSessionTickets(ssl, listener: listener, psk: config.pskAuthentication.enable, sink: sink)
            }
            if let ocsp = listener.sslOptions?.ocsp, ocsp.enableOCSPStapling { checkOCSP(ocsp, listener: listener, sink: sink) }
        }
        checkBindConflicts(config.listeners.filter(\.enable), sink: sink)
    }

    static func checkPeerVerification(_ ssl: SSLOptions, listener: ListenerConfig, sink: DiagnosticSink) {
        let path = "\(listener.keyPath).ssl_options"
        if ssl.failIfNoPeerCert && ssl.verify != .verifyPeer {
            sink.report(
                .verifyPeerRequired, .error, ssl.location(of: "fail_if_no_peer_cert"), "\(path).fail_if_no_peer_cert",
                "verify must be verify_peer when fail_if_no_peer_cert is true",
                hint: "set verify = verify_peer, or drop fail_if_no_peer_cert"
            )
        }
        if ssl.enableCRLCheck && ssl.verify != .verifyPeer {
            sink.report(
                .verifyPeerRequired, .error, ssl.location(of: "enable_crl_check"), "\(path).enable_crl_check",
                "verify must be verify_peer when CRL check is enabled",
                hint: "CRLs are checked against client certificates, which are only asked for with verify_peer"
            )
        }
        if !ssl.enableCRLCheck, let crlfile = ssl.crlfile {
            sink.report(
                .noEffect, .warning, crlfile.location, crlfile.keyPath, "crlfile has no effect while enable_crl_check is false",
                hint: "set enable_crl_check = true (with verify = verify_peer) to check client certificates against it")
        }
        if ssl.verify == .verifyPeer && !ssl.failIfNoPeerCert {
            sink.report(
                .verifyPeerWithoutRequirement, .warning, ssl.location(of: "verify"), "\(path).verify",
                "verify_peer without fail_if_no_peer_cert = true still lets clients in that send no certificate",
                hint: "set fail_if_no_peer_cert = true if every client must present a certificate"
            )
        }
        if ssl.verify == .verifyPeer && ssl.cacertfile.value.isEmpty {
            sink.report(
                .verifyPeerRequired, .error, ssl.cacertfile.location ?? ssl.location, ssl.cacertfile.keyPath,
                "verify_peer needs a cacertfile to verify client certificates against"
            )
        }
    }

    /// An explicit `session_tickets`: say where it does nothing, or more than asked.
    static func checkSessionTickets(_ ssl: SSLOptions, listener: ListenerConfig, psk: Bool, sink: DiagnosticSink) {
        guard ssl.sessionTickets != .disabled, let location = ssl.sessionTicketsLocation else { return }
        let path = "\(listener.keyPath).ssl_options.session_tickets"
        if psk {
            sink.report(
                .noEffect, .warning, location, path,
                "session_tickets has no effect while psk_authentication is enabled: resumption is off on PSK listeners",
                hint: "every PSK identity a client offers is taken as an external key, so an unknown one can be refused")
        } else if ssl.enableCRLCheck {
            sink.report(
                .sessionTicketsCRL, .warning, location, path,
                "a client that resumes with a ticket shows no certificate, so it is not checked against the CRL until the ticket expires",
                hint: "drop session_tickets (it is off by default where CRLs are checked) if revocation must apply at once")
        } else if !ssl.reuseSessions && ssl.versions.value.contains(.tlsv1_2) {
            sink.report(
                .sessionTicketsTLS12, .warning, location, path,
                "with session_tickets on, TLS 1.2 clients can resume with a ticket although reuse_sessions = false",
                hint: "OpenSSL has one switch for stateless tickets on both versions; set reuse_sessions = true, or drop tlsv1.2")
        }
    }

    static func checkOCSP(_ ocsp: OCSPConfig, listener: ListenerConfig, sink: DiagnosticSink) {
        let path = "\(listener.keyPath).ssl_options.ocsp"
        if ocsp.issuerPEM == nil {
            sink.report(
                .ocspIncomplete, .error, ocsp.location, "\(path).issuer_pem",
                "the issuer PEM path is required for OCSP stapling",
                hint: "set issuer_pem to the certificate of the CA that issued certfile"
            )
        }
        if let url = ocsp.responderURL {
            if let problem = responderURLProblem(url.value) {
                sink.report(
                    .ocspResponderURL, .error, url.location, url.keyPath, problem, hint: "use the responder's http:// URL")
            }
        } else {
            sink.report(
                .ocspIncomplete, .error, ocsp.location, "\(path).responder_url",
                "the responder URL is required for OCSP stapling",
                hint: "set responder_url to the OCSP responder of the issuing CA (cert inspect shows it as OCSP)"
            )
        }
        if ocsp.refreshInterval < .minutes(1) {
            sink.report(
                .ocspInterval, .warning, ocsp.location, "\(path).refresh_interval",
                "refresh_interval \(ocsp.refreshInterval) is below the minimum of 1m and is raised to 1m"
            )
        }
        if ocsp.refreshHTTPTimeout < .seconds(1) || ocsp.refreshHTTPTimeout > ocsp.refreshInterval {
            sink.report(
                .ocspInterval, .error, ocsp.location, "\(path).refresh_http_timeout",
                "refresh_http_timeout \(ocsp.refreshHTTPTimeout) must be at least 1s and no longer than refresh_interval (\(ocsp.refreshInterval))"
            )
        }
    }

    /// EMQX's normalisation: no scheme means http://; only http and https are fetched.
    static func responderURLProblem(_ url: String) -> String? {
        let withScheme = url.contains("://") ? url : "http://" + url
        guard let schemeEnd = withScheme.range(of: "://") else { return "\"\(url)\" is not a URL" }
        let scheme = withScheme[..<schemeEnd.lowerBound].lowercased()
        if scheme == "https" {
            return
                "\"\(url)\" uses https://, but emqxctl fetches OCSP responses over http (they are signed, so TLS adds nothing; EMQX allows https)"
        }
        guard scheme == "http" else {
            return "\"\(url)\" uses \(scheme)://, but OCSP responses are fetched over http"
        }
        let rest = withScheme[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let host = authority.hasPrefix("[") ? authority.prefix { $0 != "]" }.dropFirst() : authority.prefix { $0 != ":" }
        guard !host.isEmpty, !url.contains(" ") else { return "\"\(url)\" has no host" }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
                return "\"\(url)\" has an invalid port"
            }
        }
        guard HTTPURL(url) != nil else { return "\"\(url)\" is not a URL emqxctl can fetch (http://host[:port][/path])" }
        return nil
    }

    /// Two enabled listeners on one port collide when either binds all interfaces or both
    /// bind the same address.
    static func checkBindConflicts(_ listeners: [ListenerConfig], sink: DiagnosticSink) {
        for (index, listener) in listeners.enumerated() {
            for earlier in listeners[..<index] where earlier.bind.value.port == listener.bind.value.port {
                let a = earlier.bind.value.address
                let b = listener.bind.value.address
                guard a == nil || b == nil || a == b, listener.bind.value.port != 0 else { continue }
                sink.report(
                    .bindConflict, .error, listener.bind.location ?? listener.location, listener.bind.keyPath,
                    "\(listener.id) binds \(listener.bind.value), which \(earlier.id) already binds (\(earlier.bind.value))",
                    hint: listener.isImplicit || earlier.isImplicit
                        ? "EMQX adds \(listener.isImplicit ? listener.id : earlier.id) implicitly; set \(listener.isImplicit ? listener.keyPath : earlier.keyPath) = marked_for_deletion to remove it, or move one listener to another port"
                        : "move one of them to another port"
                )
            }
        }
    }
}
