public import CertTools
public import ConfigModel
public import Foundation

/// The checks `serve` runs on the files behind a config before it binds anything, shared with
/// `config check` so that the check does exactly what start-up does (user-needs #2).
///
/// Time, the environment and the working directory are inputs, so tests can run it at a
/// fixed time against files they made.
public struct Preflight: Sendable {
    public var environment: [String: String]
    /// Relative paths in the config are read from its working directory, as EMQX reads them
    /// from its root.
    public var paths: PathResolver
    public var now: Date
    /// A leaf that expires sooner than this gets a warning. Default 30 days.
    public var expiryWarning: TimeInterval = 30 * 86400
    public var catalog: CipherSuiteCatalog
    /// The PSK store `serve` would open (`--psk-db`), checked when psk_authentication is on.
    public var pskStore: String?
    /// The user store `serve` would open, checked when a chain has a built_in_database.
    public var userStore: String?
    /// The broker state store `serve` would open (`--broker-db`), checked when sessions
    /// persist or retained messages live on disc.
    public var stateStore: String?
    /// Below this much free space where the state store lives, a warning. Default 64 MB.
    public var minimumFreeSpace: UInt64 = 64 << 20
    /// The open-file limit to check against, instead of this process's (tests).
    public var fileLimitOverride: UInt64?

    public init(
        environment: [String: String],
        workingDirectory: String = FileManager.default.currentDirectoryPath,
        now: Date = Date(),
        catalog: CipherSuiteCatalog = .linked
    ) {
        self.environment = environment
        self.paths = PathResolver(workingDirectory: workingDirectory)
        self.now = now
        self.catalog = catalog
    }

    /// Every problem found, in no particular order (the renderer sorts).
    public func run(_ config: BrokerConfig) -> [Diagnostic] { check(config).diagnostics }

    /// Every problem found, and the files of each served ssl listener as they were read and
    /// checked: what `serve` builds its TLS from, so nothing is read twice.
    public func check(_ config: BrokerConfig) -> PreflightReport {
        let sink = DiagnosticSink()
        var material: [String: ListenerMaterial] = [:]
        // Implicit ws/wss listeners are not served, and their default files are EMQX's
        // install layout, not the user's: checking them would only be noise.
        for listener in config.listeners where listener.enable && (listener.isServed || !listener.isImplicit) {
            if let ssl = listener.sslOptions {
                let loaded = checkListener(listener, ssl: ssl, psk: config.pskAuthentication, sink: sink)
                if listener.isServed { material[listener.id] = loaded }
            }
            if !listener.type.isServed && !listener.isImplicit {
                sink.report(
                    .listenerNotServed, .note, listener.location, listener.keyPath,
                    "\(listener.type.rawValue) listeners are checked but not served by emqxctl serve"
                )
            }
        }
        for client in config.sslClients where client.enable {
            checkClient(client, sink: sink)
        }
        checkPSK(config, sink: sink)
        checkUserStore(config, sink: sink)
        checkStateStore(config, sink: sink)
        checkFileLimit(config, sink: sink)
        let dashboard = config.dashboard.https.flatMap { checkDashboard($0, sink: sink) }
        return PreflightReport(diagnostics: sink.diagnostics, material: material, dashboard: dashboard)
    }

    /// The admin endpoint's https listener: its certificate, key and CA files, as a
    /// listener's (no PSK, OCSP or CRLs there).
    private func checkDashboard(_ https: DashboardConfig.Listener, sink: DiagnosticSink) -> ListenerMaterial? {
        guard let ssl = https.sslOptions else { return nil }
        let context = FileContext(preflight: self, sink: sink, owner: nil)
        let chain = context.certificates(ssl.certfile)
        let key = context.privateKey(ssl.keyfile, password: ssl.password)
        // The default cacertfile matters only to verify clients: not read unless written or needed.
        let readsCA = !ssl.cacertfile.value.isEmpty && (ssl.cacertfile.location != nil || ssl.verify == .verifyPeer)
        let authorities = readsCA ? context.certificates(ssl.cacertfile) : []
        guard let chain, let leaf = chain.first, let key, let authorities else { return nil }
        guard key.matches(leaf) else {
            sink.report(
                .keyMismatch, .error, ssl.keyfile.location ?? ssl.location, ssl.keyfile.keyPath,
                "the key in \(ssl.keyfile.value) does not belong to the certificate in \(ssl.certfile.value) (\(leaf.subject))")
            return nil
        }
        checkValidity(leaf, file: ssl.certfile, sink: sink)
        if readsCA { checkChain(chain, authorities: authorities, ssl: ssl, sink: sink) }
        return ListenerMaterial(chain: chain, privateKey: key, authorities: authorities)
    }

    // MARK: Listeners

    /// Checks one listener's TLS files; returns them as read when each one could be.
    private func checkListener(
        _ listener: ListenerConfig, ssl: SSLOptions, psk: PSKAuthenticationConfig, sink: DiagnosticSink
    ) -> ListenerMaterial? {
        let context = FileContext(preflight: self, sink: sink, owner: listener)
        let chain = context.certificates(ssl.certfile)
        let key = context.privateKey(ssl.keyfile, password: ssl.password)
        let authorities = ssl.cacertfile.value.isEmpty ? [] : context.certificates(ssl.cacertfile)
        var ocspIssuer: Certificate?
        var dhParameters: DHParameters?
        if let leaf = chain?.first {
            if let key, !key.matches(leaf) {
                sink.report(
                    .keyMismatch, .error, ssl.keyfile.location ?? ssl.location, ssl.keyfile.keyPath,
                    "the key in \(ssl.keyfile.value) does not belong to the certificate in \(ssl.certfile.value) (\(leaf.subject))",
                    hint: "pair each certificate with the key it was issued for; cert inspect shows a \"public key SHA-256\" for both"
                )
            }
            checkValidity(leaf, file: ssl.certfile, sink: sink)
            if listener.type != .quic, leaf.subjectAlternativeNames.isEmpty {
                sink.report(
                    .certificateNoSAN, .warning, ssl.certfile.location ?? ssl.location, ssl.certfile.keyPath,
                    "the certificate \(leaf.subject) has no subjectAltName, so clients that verify the host name (most do) will reject it",
                    hint: "issue it with SANs for every name and address clients use (emqxctl cert issue server NAME --san …)"
                )
            }
            if let authorities, let chain, !ssl.cacertfile.value.isEmpty {
                checkChain(chain, authorities: authorities, ssl: ssl, sink: sink)
            }
            if let ocsp = ssl.ocsp, ocsp.enableOCSPStapling, let issuerPath = ocsp.issuerPEM,
                let issuer = context.certificates(issuerPath)?.first
            {
                ocspIssuer = issuer
            }
            if let ocsp = ssl.ocsp, let issuerPath = ocsp.issuerPEM, let issuer = ocspIssuer, !leaf.isIssued(by: issuer) {
                sink.report(
                    .ocspIssuerMismatch, .error, issuerPath.location, issuerPath.keyPath,
                    "\(issuerPath.value) (\(issuer.subject)) did not issue the listener's certificate, which was issued by \(leaf.issuer)",
                    hint: "issuer_pem must be the CA certificate that signed certfile's first certificate"
                )
            }
        }
        if let dhfile = ssl.dhfile { dhParameters = checkDHParameters(dhfile, ssl: ssl, context: context, sink: sink) }
        if ssl.enableCRLCheck, let crlfile = ssl.crlfile, let crls = context.crls(crlfile) {
            checkCRLs(crls, file: crlfile, authorities: authorities ?? [], policy: ssl.crlUnavailable, sink: sink)
        }
        if ssl.enableCRLCheck && ssl.verify == .verifyPeer && ssl.crlfile == nil {
            // What the policy needs: a CRL for every client certificate, from its own points.
            let outcome =
                ssl.crlUnavailable == .failClosed
                ? "a client certificate that names no http distribution point is refused until a CRL of its CA is at hand"
                : "a client certificate that names no http distribution point is accepted unchecked (fail_open)"
            sink.report(
                .crlSource, .note, ssl.location(of: "enable_crl_check"), "\(listener.keyPath).ssl_options.enable_crl_check",
                "CRLs come only from the distribution points client certificates name; \(outcome)",
                hint: "issue client certificates with a CRL URL (cert gen --crl-url), or set crlfile; config check --probe tries the points"
            )
        }
        if listener.type != .quic {
            checkCiphers(ssl, listener: listener, certificateKey: chain?.first?.publicKeyDescription, psk: psk, sink: sink)
        }
        guard let chain, !chain.isEmpty, let key, let authorities, ssl.dhfile == nil || dhParameters != nil else { return nil }
        let stapling = ssl.ocsp?.enableOCSPStapling == true
        guard !stapling || ocspIssuer != nil else { return nil }
        return ListenerMaterial(chain: chain, privateKey: key, authorities: authorities, dhParameters: dhParameters, ocspIssuer: ocspIssuer)
    }

    /// crlfile's CRLs under `CRLAcceptancePolicy`, the rule serve's CRL cache applies: what
    /// it would drop is an error, what it keeps with a limit is said.
    private func checkCRLs(
        _ crls: [CertificateRevocationList], file: Located<String>, authorities: [Certificate], policy: CRLUnavailablePolicy,
        sink: DiagnosticSink
    ) {
        let acceptance = CRLAcceptancePolicy(authorities: authorities)
        func report(_ code: Diagnostic.Code, _ severity: Diagnostic.Severity, _ message: String, hint: String) {
            sink.report(code, severity, file.location, file.keyPath, "\(message) (\(file.value))", hint: hint)
        }
        for crl in crls {
            let verdict = acceptance.evaluate(crl, at: now)
            let problem = CRLAcceptancePolicy.problem(verdict, of: crl) ?? ""
            switch verdict {
            case .usable:
                guard let nextUpdate = crl.nextUpdate, nextUpdate.timeIntervalSince(now) < 86400 else { continue }
                report(
                    .crlExpired, .warning, "the CRL of \(crl.issuer) expires within a day (\(UTCDate.time(nextUpdate)))",
                    hint: "publish a fresh one before then; serve re-reads crlfile when it changes")
            case .issuerNotTrusted:
                report(.crlSource, .note, problem, hint: "add its CA to cacertfile if its own certificate is what clients chain to")
            case .wrongSignature, .notYetValid:
                report(.crlInvalid, .error, "\(problem), so serve would drop it", hint: "publish the CRL as its CA signed it")
            case .expired:
                let outcome =
                    policy == .failClosed
                    ? "with crl_unavailable = fail_closed every client certificate from that CA is refused"
                    : "with crl_unavailable = fail_open its clients are accepted unchecked"
                report(
                    .crlExpired, policy == .failClosed ? .error : .warning, "\(problem); \(outcome)",
                    hint: "publish a fresh CRL (emqxctl cert crl makes one for a cert gen CA)")
            }
        }
    }

    /// dhfile must hold DH parameters OpenSSL accepts, of at least 2048 bits (smaller groups
    /// are breakable, and OpenSSL 3 refuses those under 1024 at its default security level);
    /// only TLS 1.2 and older DHE suites use them.
    private func checkDHParameters(
        _ dhfile: Located<String>, ssl: SSLOptions, context: FileContext, sink: DiagnosticSink
    ) -> DHParameters? {
        guard let bytes = context.readable(dhfile) else { return nil }
        let parameters: DHParameters
        do {
            parameters = try DHParameters(pem: bytes, path: dhfile.value)
        } catch {
            sink.report(
                .fileNotPEM, .error, dhfile.location, dhfile.keyPath, "\(error)",
                hint: "make one with: openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe3072 -out dh.pem")
            return nil
        }
        if parameters.bits < 2048 {
            sink.report(
                .dhParametersWeak, parameters.bits < 1024 ? .error : .warning, dhfile.location, dhfile.keyPath,
                "the DH group in \(dhfile.value) has \(parameters.bits) bits; DHE key exchanges with it can be broken",
                hint: "use a group of 2048 bits or more (openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe3072)")
        }
        if !ssl.versions.value.contains(where: { $0 != .tlsv1_3 }) {
            sink.report(
                .noEffect, .warning, dhfile.location, dhfile.keyPath,
                "dhfile has no effect: only TLS 1.2 and older use DHE suites, and versions allows only tlsv1.3")
        }
        return parameters
    }

    private func checkValidity(_ leaf: Certificate, file: Located<String>, sink: DiagnosticSink) {
        if leaf.notAfter < now {
            sink.report(
                .certificateExpired, .error, file.location, file.keyPath,
                "the certificate \(leaf.subject) in \(file.value) expired on \(UTCDate.day(leaf.notAfter))",
                hint: "renew it; every client will refuse it until then"
            )
        } else if leaf.notBefore > now {
            sink.report(
                .certificateExpired, .error, file.location, file.keyPath,
                "the certificate \(leaf.subject) in \(file.value) is not valid until \(UTCDate.day(leaf.notBefore))",
                hint: "check this machine's clock"
            )
        } else if leaf.notAfter.timeIntervalSince(now) < expiryWarning {
            let days = Int(leaf.notAfter.timeIntervalSince(now) / 86400)
            sink.report(
                .certificateExpiring, .warning, file.location, file.keyPath,
                "the certificate \(leaf.subject) in \(file.value) expires in \(days) day\(days == 1 ? "" : "s") (\(UTCDate.day(leaf.notAfter)))",
                hint: "renew it before then"
            )
        }
    }

    /// The served chain against cacertfile. An unknown issuer is only a warning: cacertfile is
    /// what the listener trusts for *clients*, and a server certificate from another CA is fine.
    private func checkChain(_ chain: [Certificate], authorities: [Certificate], ssl: SSLOptions, sink: DiagnosticSink) {
        let verifier = ChainVerifier(trustAnchors: authorities, strict: false)
        guard case .failure(let failure) = verifier.verify(chain, purpose: .server, at: now) else { return }
        if failure.depth == 0 && (failure.code == .expired || failure.code == .notYetValid) { return }  // reported above
        let severity: Diagnostic.Severity = failure.code == .unknownIssuer ? .warning : .error
        sink.report(
            .chainInvalid, severity, ssl.certfile.location ?? ssl.location, ssl.certfile.keyPath,
            "the chain in \(ssl.certfile.value) does not verify against \(ssl.cacertfile.value): \(failure.message)",
            hint: failure.hint
        )
    }

    // MARK: Outbound TLS and PSK

    private func checkClient(_ client: SSLClientConfig, sink: DiagnosticSink) {
        let context = FileContext(preflight: self, sink: sink, owner: nil)
        let certificate = client.certfile.flatMap { context.certificates($0)?.first }
        let key = client.keyfile.flatMap { context.privateKey($0, password: client.password) }
        if let cacertfile = client.cacertfile, !cacertfile.value.isEmpty { _ = context.certificates(cacertfile) }
        if let certificate, let key, let keyfile = client.keyfile, !key.matches(certificate) {
            sink.report(
                .keyMismatch, .error, keyfile.location, keyfile.keyPath,
                "the key in \(keyfile.value) does not belong to the certificate in \(client.certfile!.value) (\(certificate.subject))"
            )
        }
        if let certificate, let certfile = client.certfile { checkValidity(certificate, file: certfile, sink: sink) }
        if let certfile = client.certfile, let chain = context.certificates(certfile), chain.count > 1 {
            for (child, parent) in zip(chain, chain.dropFirst()) where !child.isIssued(by: parent) {
                sink.report(
                    .chainInvalid, .error, certfile.location, certfile.keyPath,
                    "in \(certfile.value), \(child.subject) is followed by \(parent.subject), which did not issue it",
                    hint: "order the file leaf first, then each issuer")
                break
            }
        }
        if let sni = client.serverNameIndication, sni != "disable", !Self.isHostName(sni) {
            sink.report(
                .invalidValue, .error, client.location, "\(client.keyPath).server_name_indication",
                "\"\(sni)\" is not a host name a server can answer to (no scheme, port, path or IP address)",
                hint: "write the name in the server's certificate, such as auth.example.com, or disable")
        }
        checkClientCiphers(client, sink: sink)
    }

    /// A DNS name for SNI: letters, digits, hyphens and dots, not an IP address (RFC 6066 §3).
    static func isHostName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.count <= 253, !labels.allSatisfy({ Int($0) != nil }) else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.isASCIIHostCharacter }
        }
    }

    private func checkPSK(_ config: BrokerConfig, sink: DiagnosticSink) {
        let psk = config.pskAuthentication
        // EMQX imports init_file at start whether or not PSK is enabled, so check it either way.
        if let file = psk.initFile {
            let context = FileContext(preflight: self, sink: sink, owner: nil)
            if context.readable(file, code: .pskInitFile) != nil, let mode = Self.mode(of: paths.absolute(file.value)), mode & 0o004 != 0 {
                sink.report(
                    .pskFileMode, .warning, file.location, file.keyPath,
                    "\(file.value) holds PSK secrets and is readable by everyone (mode \(String(mode & 0o777, radix: 8)))",
                    hint: "chmod 600 \(file.value)")
            }
        }
        guard psk.enable, let store = pskStore else { return }
        // The store and SQLite's -wal and -shm files hold every secret: the owner's alone.
        for file in [store, store + "-wal", store + "-shm"] {
            guard let mode = Self.mode(of: paths.absolute(file)), mode & 0o077 != 0 else { continue }
            sink.report(
                .pskFileMode, .error, psk.location, "psk_authentication",
                "the PSK store file \(file) can be read or written by others than its owner (mode \(String(mode & 0o777, radix: 8)))",
                hint: "chmod 600 \(store) \(store)-wal \(store)-shm (the files that exist)")
        }
    }

    /// The user store holds password hashes: the owner's alone, as the PSK store.
    private func checkUserStore(_ config: BrokerConfig, sink: DiagnosticSink) {
        let chains = [config.authentication] + config.servedListeners.map(\.authentication)
        let authenticator = chains.joined().first {
            if case .builtInDatabase = $0.backend { $0.enable } else { false }
        }
        let authorizes = config.authorization.sources.contains { if case .builtInDatabase = $0 { true } else { false } }
        guard let store = userStore, authenticator != nil || authorizes else { return }
        for file in [store, store + "-wal", store + "-shm"] {
            guard let mode = Self.mode(of: paths.absolute(file)), mode & 0o077 != 0 else { continue }
            sink.report(
                .storeFileMode, .error, authenticator?.location ?? config.authorization.location,
                authenticator?.keyPath ?? "authorization.sources",
                "the user store file \(file) can be read or written by others than its owner (mode \(String(mode & 0o777, radix: 8)))",
                hint: "chmod 600 \(store) \(store)-wal \(store)-shm (the files that exist)")
        }
    }

    /// The broker state store: a folder serve can create or write, files its owner's alone
    /// (they hold every queued message), and room to grow.
    private func checkStateStore(_ config: BrokerConfig, sink: DiagnosticSink) {
        let retainedOnDisc = config.retainer.storageType == .disc
        guard let store = stateStore, config.sessionPersistence.enable || retainedOnDisc else { return }
        let (location, keyPath) =
            config.sessionPersistence.enable
            ? (config.sessionPersistence.location, "session_persistence.enable")
            : (config.retainer.storageTypeLocation, "retainer.backend.storage_type")
        func report(_ severity: Diagnostic.Severity, _ message: String, hint: String) {
            sink.report(.stateStore, severity, location, keyPath, message, hint: hint)
        }
        let path = paths.absolute(store)
        let folder = (path as NSString).deletingLastPathComponent
        // The nearest folder that exists: serve creates the rest (0700).
        var existing = folder
        while !FileManager.default.fileExists(atPath: existing), existing != "/" {
            existing = (existing as NSString).deletingLastPathComponent
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder), !isFolder.boolValue {
            return report(
                .error, "the broker state store \(store) cannot be made: \(existing) is not a folder", hint: "use --broker-db elsewhere")
        }
        if access(existing, W_OK | X_OK) != 0 {
            let what = existing == folder ? "its folder \(existing)" : "\(existing), where its folder would be made,"
            return report(
                .error, "the broker state store \(store) cannot be written: \(what) is not writable by this user",
                hint: "run serve as the folder's owner, or chown it")
        }
        for file in [path, path + "-wal", path + "-shm"] {
            guard let mode = Self.mode(of: file), mode & 0o077 != 0 else { continue }
            report(
                .error,
                "the broker state store file \(file) can be read or written by others than its owner (mode \(String(mode & 0o777, radix: 8)))",
                hint: "chmod 600 \(store) \(store)-wal \(store)-shm (the files that exist)")
        }
        var space = statvfs()
        if statvfs(existing, &space) == 0 {
            let free = UInt64(space.f_bavail) * UInt64(space.f_frsize)
            if free < minimumFreeSpace {
                report(
                    .warning, "only \(free >> 20) MB free where the broker state store \(store) lives",
                    hint: "a full disk stops every acknowledgement for durable sessions until there is room; free some, or move --broker-db"
                )
            }
        }
    }

    /// The classic cap: an open-file limit (`ulimit -n`, often 1024) below what the listeners'
    /// max_connections add up to, so connections fail with "too many open files" long before.
    private func checkFileLimit(_ config: BrokerConfig, sink: DiagnosticSink) {
        let limited = config.servedListeners.compactMap { listener in listener.maxConnections.map { (listener, $0) } }
        let total = limited.reduce(0) { $0 + $1.1 }
        guard let soft = openFileLimit, total > 0, UInt64(total) > soft, let first = limited.first?.0 else { return }
        sink.report(
            .fileLimit, .warning, first.location, "\(first.keyPath).max_connections",
            "the open-file limit is \(soft), below the \(total) connections the listeners' max_connections allow (\(limited.map { "\($0.0.id) \($0.1)" }.joined(separator: ", ")))",
            hint: "raise it (ulimit -n \(total + 1024), or LimitNOFILE= in a systemd unit), or lower max_connections")
    }

    /// The soft RLIMIT_NOFILE of this process (serve's, when serve runs the check).
    var openFileLimit: UInt64? {
        if let fileLimitOverride { return fileLimitOverride }
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return UInt64(limit.rlim_cur)
    }

    /// A file's permission bits, nil when it does not exist.
    static func mode(of path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }
}

extension Unicode.Scalar {
    /// A letter, digit or hyphen (a DNS label's characters).
    fileprivate var isASCIIHostCharacter: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) || self == "-"
    }
}
