import CertTools
import ConfigModel

extension Preflight {
    /// Checks each configured cipher against the linked OpenSSL, the enabled versions and the
    /// certificate's key type, and fails the listener when nothing usable is left
    /// (mosquitto#2902: an EC key with only RSA suites is "no shared cipher" for every client).
    func checkCiphers(
        _ ssl: SSLOptions,
        listener: ListenerConfig,
        certificateKey: KeyDescription?,
        psk: PSKAuthenticationConfig,
        sink: DiagnosticSink
    ) {
        let names = ssl.ciphers.value
        guard !names.isEmpty else { return }  // the runtime default list always fits
        let versions = Set(ssl.versions.value)
        let hasTLS13 = versions.contains(.tlsv1_3)
        let below13 = versions.subtracting([.tlsv1_3])
        let location = ssl.ciphers.location ?? ssl.location
        let keyPath = ssl.ciphers.keyPath
        func report(_ code: Diagnostic.Code, _ severity: Diagnostic.Severity, _ message: String, hint: String = "") {
            sink.report(code, severity, location, keyPath, message, hint: hint)
        }
        var usable: [CipherSuite] = []
        for name in names {
            guard let suite = catalog.suite(named: name) else {
                reportMissing(name, report: report)
                continue
            }
            if suite.isTLS13 {
                if hasTLS13 {
                    usable.append(suite)
                } else {
                    report(
                        .cipherVersionMismatch, .warning, "\(name) is a TLS 1.3 suite, but tlsv1.3 is not in versions, so it is never used")
                }
                continue
            }
            guard !below13.isEmpty else {
                if suite.usesPSK {
                    report(
                        .pskCipherTLS13Only, .warning,
                        "\(name) is a TLS 1.2 PSK suite, but versions allows only tlsv1.3, so it is never used",
                        hint:
                            "PSK clients then need TLS 1.3 external PSK (openssl 3 and mosquitto 2 do it; many embedded stacks do not); add tlsv1.2 for them"
                    )
                } else {
                    report(
                        .cipherVersionMismatch, .warning,
                        "\(name) is a TLS 1.2-and-older suite, but versions allows only tlsv1.3, so it is never used")
                }
                continue
            }
            if suite.minimumVersion == "TLSv1.2" && !below13.contains(.tlsv1_2) {
                report(.cipherVersionMismatch, .warning, "\(name) needs TLS 1.2, which is not in versions, so it is never used")
                continue
            }
            if let key = certificateKey {
                let isRSA = key.type == "RSA"
                let isEC = key.type == "EC" || key.type.hasPrefix("Ed")
                if suite.needsRSACertificate && !isRSA {
                    if suite.usesPSK {
                        report(
                            .rsaPSKNeedsRSACertificate, .warning,
                            "\(name) is an RSA-PSK suite, which needs an RSA certificate, but certfile holds an \(key) key; it is never used",
                            hint: "use PSK-* suites, or an RSA certificate (RFC 4279 §4)"
                        )
                    } else {
                        report(
                            .cipherKeyMismatch, .warning,
                            "\(name) needs an RSA certificate, but certfile holds an \(key) key; it is never used")
                    }
                    continue
                }
                if suite.needsECDSACertificate && !isEC {
                    report(
                        .cipherKeyMismatch, .warning,
                        "\(name) needs an ECDSA certificate, but certfile holds an \(key) key; it is never used")
                    continue
                }
            }
            if suite.usesPSK && !psk.enable {
                report(
                    .cipherVersionMismatch, .warning,
                    "\(name) is a PSK suite, but psk_authentication.enable is false, so no client can use it",
                    hint: "set psk_authentication.enable = true and give it an init_file"
                )
                continue
            }
            usable.append(suite)
        }
        // EMQX puts the TLS 1.3 defaults first when tlsv1.3 is on and no 1.3 suite is listed.
        let implicitTLS13 = hasTLS13 && !names.contains { catalog.suite(named: $0)?.isTLS13 == true }
        if usable.isEmpty && !implicitTLS13 {
            report(
                .cipherNoneUsable, .error,
                "none of the configured ciphers can be used with versions \(ssl.versions.value.map(\.rawValue)) and this certificate; every handshake would fail with \"no shared cipher\"",
                hint:
                    "list suites that fit the key type (ECDHE-ECDSA-* for EC keys, ECDHE-RSA-* for RSA keys) and the versions, or remove ciphers to use the defaults"
            )
        }
    }

    /// An outbound `ssl` block's ciphers: each known to the linked OpenSSL, and at least one
    /// usable with its versions.
    func checkClientCiphers(_ client: SSLClientConfig, sink: DiagnosticSink) {
        let names = client.ciphers.value
        guard !names.isEmpty else { return }
        let location = client.ciphers.location ?? client.location
        let keyPath = client.ciphers.keyPath
        func report(_ code: Diagnostic.Code, _ severity: Diagnostic.Severity, _ message: String, hint: String = "") {
            sink.report(code, severity, location, keyPath, message, hint: hint)
        }
        let versions = Set(client.versions.value)
        var usable = 0
        for name in names {
            guard let suite = catalog.suite(named: name) else {
                reportMissing(name, report: report)
                continue
            }
            if suite.isTLS13 ? versions.contains(.tlsv1_3) : !versions.subtracting([.tlsv1_3]).isEmpty { usable += 1 }
        }
        if usable == 0 {
            report(
                .cipherNoneUsable, .error, "no cipher here can be used with versions \(client.versions.value.map(\.rawValue))",
                hint: "add suites for the versions listed, or leave ciphers out for OpenSSL's defaults")
        }
    }

    private func reportMissing(_ name: String, report: (Diagnostic.Code, Diagnostic.Severity, String, String) -> Void) {
        if let suite = catalog.suite(standardName: name) {
            report(
                .cipherUnknown, .error, "\(name) is the IANA name of a suite; EMQX and OpenSSL call it \(suite.name)", "write \(suite.name)"
            )
        } else if Self.isLegacySuiteName(name) {
            report(
                .cipherUnsupported, .warning,
                "\(name) is a suite that \(catalog.openSSLVersion) no longer provides (static ECDH, RC4, 3DES and similar were removed); it is ignored",
                "remove it"
            )
        } else {
            let suggestion = Suggestion.closest(to: name, in: catalog.suites.map(\.name))
            report(
                .cipherUnknown, .error, "\(name) is not a cipher suite" + (suggestion.map { "; did you mean \($0)?" } ?? ""),
                "run `openssl ciphers -v` for the names this OpenSSL knows"
            )
        }
    }

    /// Names of suites that TLS stacks once had and OpenSSL 3 dropped.
    static func isLegacySuiteName(_ name: String) -> Bool {
        guard name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "-" || $0 == "_" }) else { return false }
        if name.hasPrefix("ECDH-ECDSA-") || name.hasPrefix("ECDH-RSA-") { return true }
        let parts = Set(name.split(separator: "-").map(String.init))
        return !parts.isDisjoint(with: ["RC4", "DES", "3DES", "DES3", "CBC3", "NULL", "EXP", "IDEA", "SEED", "MD5", "RC2", "EXPORT"])
    }
}
