import Authentication
import BrokerCore
public import BrokerTLS
import CertTools
public import ConfigModel
public import ConfigPreflight
import Foundation
public import Logging
import MQTTCore
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix
import Revocation
import Stores

/// Runs the broker: one event loop (so the broker's state needs no locks), one server channel
/// per enabled tcp or ssl listener.
public final class BrokerServer: @unchecked Sendable {
    private var config: BrokerConfig
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let driver: NIOLoopBound<BrokerDriver>
    private var channels: [(id: String, channel: any Channel)] = []
    /// The listeners running, as last applied: in step with `channels` and `listenerStates`
    /// (a reload that needs a restart leaves a listener as it was).
    private var running: [ListenerConfig] = []
    /// What each running listener trusts in clients, for a reload to compare against.
    private var trust: [String: TrustSettings] = [:]
    private var listenerStates: [NIOLoopBound<ListenerState>] = []
    /// Each TLS listener's stapler and CRL cache: a reload keeps them, or replaces them when
    /// their settings or the certificates they work for changed.
    private var revocation: [String: ListenerRevocation] = [:]

    private var material: [String: ListenerMaterial]
    private let startedAt = Date()
    /// Guards what a reload replaces (`config`, `running`, `material`) against `snapshot()`
    /// reading it from the admin endpoint's thread.
    private let applying = NIOLock()
    private let pskResolver: (any PSKResolver)?
    private let paths: PathResolver
    private let userDatabase: String
    /// Where costly password hashes (bcrypt, pbkdf2) are checked, off the event loop.
    private let threadPool = NIOThreadPool(numberOfThreads: 1)
    private var authentication = AuthenticationService.empty
    /// The built_in_database authorization source, reloaded while serving.
    private var databaseRules: [DatabaseACLSource] = []

    /// Serves `config` with the files preflight read for it (`PreflightReport.material`, by
    /// listener id): nothing behind certfile, keyfile, cacertfile, dhfile or issuer_pem is
    /// read again. `pskResolver` answers PSK identities on ssl listeners when PSK is enabled;
    /// relative crlfile paths are resolved by `paths`; built_in_database users live in
    /// `userDatabase`.
    public init(
        config: BrokerConfig, material: [String: ListenerMaterial], logger: Logger, pskResolver: (any PSKResolver)? = nil,
        paths: PathResolver = PathResolver(), userDatabase: String = "data/users.db"
    ) {
        self.userDatabase = userDatabase
        threadPool.start()
        self.config = config
        self.material = material
        self.logger = logger
        self.pskResolver = pskResolver
        self.paths = paths
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let mqtt = config.mqtt
        let forceShutdown = config.forceShutdown
        // NIOLoopBound values are made on their loop. submit fails only on a loop that has
        // shut down, and this group was created just above.
        driver = try! loop.submit {
            NIOLoopBound(
                BrokerDriver(
                    broker: Broker(config: mqtt, forceShutdown: forceShutdown, logger: logger), eventLoop: loop),
                eventLoop: loop)
        }.wait()
    }

    /// `authorization` as the broker applies it: its sources in order, then no_match. The
    /// built_in_database source opens the user store.
    private func authorizationPolicy(_ config: AuthorizationConfig) throws -> AuthorizationPolicy {
        let sources: [any AuthorizationSource] = try config.sources.map { source in
            switch source {
            case .file(_, let rules):
                return rules
            case .builtInDatabase:
                let rules = try DatabaseACLSource(store: try UserStore.open(path: userDatabase, create: true), logger: logger)
                databaseRules.append(rules)
                return rules
            }
        }
        return AuthorizationPolicy(
            authorizer: RuleAuthorizer(sources: sources, noMatch: config.noMatch), denyAction: config.denyAction, cache: config.cache)
    }

    /// Binds every served listener; returns each listener's id and bound address (port 0 in a
    /// config binds an ephemeral port, which tests use).
    public func start() throws -> [(id: String, address: SocketAddress)] {
        var bound: [(String, SocketAddress)] = []
        do {
            authentication = try AuthenticationService(
                config: config, userDatabase: userDatabase, paths: paths, eventLoop: driver.eventLoop, threadPool: threadPool,
                logger: logger)
        } catch {
            throw AuthenticationStartError(description: "authentication cannot start: \(error)")
        }
        do {
            let policy = try authorizationPolicy(config.authorization)
            try driver.eventLoop.submit { [driver] in driver.value.replaceAuthorization(policy) }.wait()
        } catch {
            throw AuthenticationStartError(description: "authorization cannot start: \(error)")
        }
        for listener in config.servedListeners {
            var tls: TLSContext?
            if let options = listener.sslOptions {
                guard let material = material[listener.id] else { throw PreflightMissing(listenerID: listener.id) }
                let kept = try startRevocation(listener.id, options, material)
                revocation[listener.id] = kept
                tls = try TLSContext.server(options, material: material, psk: pskResolver, staple: kept.staple, crls: kept.crls)
            }
            let channel: any Channel
            do {
                channel = try bind(listener, tls: tls).wait()
            } catch {
                throw ListenerBindError(listener: listener, error: error)
            }
            try channel.applyLinger(listener.tcpOptions)
            channels.append((listener.id, channel))
            running.append(listener)
            trust[listener.id] = TrustSettings(listener, material: material[listener.id], paths: paths)
            let address = channel.localAddress!
            logger.notice("Listener \(listener.id) on \(address.logDescription) started.")
            bound.append((listener.id, address))
        }
        try scheduleHeapTrim()
        authentication.startRefreshing()
        databaseRules.forEach { $0.startRefreshing() }
        return bound
    }

    /// A listener's OCSP stapler and CRL cache, started; each part only where it is on.
    private func startRevocation(
        _ id: String, _ options: SSLOptions, _ material: ListenerMaterial, keeping kept: ListenerRevocation? = nil
    ) throws -> ListenerRevocation {
        var revocation = ListenerRevocation(listenerID: id)
        let stapling = ListenerRevocation.staplingKey(options, material)
        if let kept, kept.staplingKey == stapling {
            (revocation.stapler, revocation.staple) = (kept.stapler, kept.staple)
        } else if !stapling.isEmpty {
            (revocation.stapler, revocation.staple) = try startOCSPStapling(id, options, material)
        }
        revocation.staplingKey = stapling
        let crl = ListenerRevocation.crlKey(options, material)
        if let kept, kept.crlKey == crl {
            revocation.crls = kept.crls
        } else if !crl.isEmpty {
            revocation.crls = try startCRLCache(id, options, material)
        }
        revocation.crlKey = crl
        return revocation
    }

    /// The staple of a listener with `ocsp.enable_ocsp_stapling`, with its stapler started:
    /// the first fetch runs now, so a staple is served within seconds of start-up.
    private func startOCSPStapling(
        _ id: String, _ options: SSLOptions, _ material: ListenerMaterial
    ) throws -> (NIOLoopBound<OCSPStapler>?, OCSPStaple?) {
        guard let ocsp = options.ocsp, ocsp.enableOCSPStapling, let responder = ocsp.responderURL.flatMap({ HTTPURL($0.value) }),
            let issuer = material.ocspIssuer
        else { return (nil, nil) }
        let certificate = material.chain[0]
        let loop = driver.eventLoop
        let logger = self.logger
        let staple = OCSPStaple()
        let stapler = try loop.submit {
            let stapler = try OCSPStapler(
                listenerID: id, certificate: certificate, issuer: issuer, responder: responder,
                refreshInterval: TimeInterval(ocsp.refreshInterval.milliseconds) / 1000,
                timeout: .milliseconds(Int64(ocsp.refreshHTTPTimeout.milliseconds)), staple: staple, eventLoop: loop, logger: logger)
            stapler.start()
            return NIOLoopBound(stapler, eventLoop: loop)
        }.wait()
        return (stapler, staple)
    }

    /// The CRL cache of a listener with `enable_crl_check` (and verify_peer), started: it loads
    /// crlfile now and fetches distribution points as handshakes meet them.
    private func startCRLCache(_ id: String, _ options: SSLOptions, _ material: ListenerMaterial) throws -> CRLCache? {
        guard options.enableCRLCheck, options.verify == .verifyPeer else { return nil }
        let loop = driver.eventLoop
        let cache = CRLCache(
            listenerID: id, authorities: material.authorities, settings: config.crlCache,
            crlfile: options.crlfile.map { paths.absolute($0.value) },
            eventLoop: loop, logger: logger)
        try loop.submit { cache.start() }.wait()
        logger.notice("CRL checks on \(id): client certificates need a current CRL (crl_unavailable = \(options.crlUnavailable.rawValue))")
        return cache
    }

    /// Every 2 s, gives back the memory a burst left free (HeapTrimmer).
    private func scheduleHeapTrim() throws {
        let loop = driver.eventLoop
        let trimmer = try loop.submit { NIOLoopBound(HeapTrimmer(), eventLoop: loop) }.wait()
        let states = listenerStates
        let driver = self.driver
        loop.scheduleRepeatedTask(initialDelay: .seconds(2), delay: .seconds(2)) { _ in
            let connections = states.reduce(0) { $0 + $1.value.handshakes + $1.value.turnover }
            _ = trimmer.value.check(activity: connections + driver.value.broker.messagesReceived / 100)
        }
    }

    /// Throws rather than crashes when called after `shutdown()`.
    private func bind(_ listener: ListenerConfig, tls: TLSContext?) throws -> EventLoopFuture<any Channel> {
        let driver = self.driver
        let loop = driver.eventLoop
        let logger = self.logger
        let authentication = listenerAuthentication(listener, mqtt: config.mqtt)
        let state = try loop.submit {
            let state = ListenerState(listener, authentication: authentication, logger: logger)
            state.tls = tls
            return NIOLoopBound(state, eventLoop: loop)
        }.wait()
        listenerStates.append(state)
        let tcp = listener.tcpOptions
        let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: tcp.highWatermark / 2, high: tcp.highWatermark)
        let handshakeTimeout = TimeAmount.milliseconds(listener.sslOptions?.handshakeTimeout.milliseconds ?? 15_000)
        let listenerID = listener.id
        let proxyProtocol = listener.proxyProtocol
        let proxyTimeout = TimeAmount.milliseconds(listener.proxyProtocolTimeout.milliseconds)
        return ServerBootstrap(group: group)
            .applying(tcp)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Backs off accepting when it fails (out of file descriptors), and says why.
                    try channel.pipeline.syncOperations.addHandler(AcceptFailureHandler(listenerID: listenerID, logger: logger))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Set here, synchronously, rather than as childChannelOptions, which NIO
                    // applies through a chain of futures for every connection.
                    let options = channel.syncOptions
                    try options?.setOption(.maxMessagesPerRead, value: 16)
                    // Past tcp_options.high_watermark unsent, the connection is unwritable and
                    // tcp_options.send_timeout starts (MQTTConnectionHandler).
                    try options?.setOption(.writeBufferWaterMark, value: waterMark)
                    // Each connection keeps its receive buffer: start small (an idle MQTT
                    // connection reads PINGREQs) and let it grow for bursts.
                    try options?.setOption(
                        .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
                    // A PROXY header comes before everything, TLS included.
                    if proxyProtocol {
                        try channel.pipeline.syncOperations.addHandler(ProxyProtocolHandler(listener: state.value, timeout: proxyTimeout))
                    }
                    if let tls = state.value.tls {
                        let handler = try TLSHandler(
                            context: tls, role: .server(state.value), handshakeTimeout: handshakeTimeout)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try channel.pipeline.syncOperations.addHandler(MQTTConnectionHandler(driver: driver.value, listener: state.value))
                }
            }
            .bind(host: listener.bind.value.address ?? "0.0.0.0", port: Int(listener.bind.value.port))
    }

    /// Who a listener's CONNECTs are: the authentication chain, and the identity rules of
    /// `mqtt {}` (peer_cert_as_*, use_username_as_clientid, psk_identity_as_*).
    private func listenerAuthentication(_ listener: ListenerConfig, mqtt: MQTTConfig) -> ListenerAuthentication {
        let verifiesPeer = listener.sslOptions?.verify == .verifyPeer
        return ListenerAuthentication(
            service: authentication, mode: listener.enableAuthn,
            identity: ClientIdentityRules(
                mqtt, verifiesPeer: verifiesPeer || listener.proxyProtocol, psk: listener.sslOptions != nil && pskResolver != nil),
            listenerID: listener.id)
    }

    /// What a reload did: what now applies to new connections, what needs a restart, and the
    /// connected clients the new trust settings refuse (closed only when `enforced`).
    public struct ReloadReport: Sendable {
        public var applied: [String] = []
        public var needsRestart: [String] = []
        package var refusals: [TrustRefusal] = []
        package var enforced = false
    }

    /// Applies a config that has passed preflight (`material` is what it read) without
    /// dropping anyone: each listener's new TLS context (certificates, keys, CA, ciphers,
    /// versions), access_rules and limits take over for new connections in one step on the
    /// event loop, and the authorization rules are swapped (every session's cache with them);
    /// `mqtt {}` and its identity rules apply to CONNECTs from then on. A changed bind, an
    /// added or removed listener, and changed OCSP or CRL settings are named as needing a
    /// restart, and left as they are.
    ///
    /// Where a listener's trust in clients changed (verify, fail_if_no_peer_cert, cacertfile's
    /// CAs, crlfile's CRLs), the clients connected to it are judged by the new settings; the
    /// report names those refused. `enforce` judges every listener's clients, changed or not,
    /// and closes those refused (0x87, not authorized, to 5.0).
    public func reload(_ newConfig: BrokerConfig, material: [String: ListenerMaterial], enforce: Bool = false) throws -> ReloadReport {
        var report = ReloadReport()
        var newTrust: [String: TrustSettings] = [:]
        var newRevocation: [String: ListenerRevocation] = [:]
        // What this reload started: stopped again if it fails before the swap.
        var started: [ListenerRevocation] = []
        let wanted = Dictionary(uniqueKeysWithValues: newConfig.servedListeners.map { ($0.id, $0) })
        for id in Set(running.map(\.id)).symmetricDifference(wanted.keys).sorted() {
            report.needsRestart.append("\(id) \(wanted[id] == nil ? "removed" : "added")")
        }
        var swaps: [(NIOLoopBound<ListenerState>, ListenerConfig, TLSContext?, ListenerAuthentication)] = []
        var applied = running
        let policy: AuthorizationPolicy
        let rulesBefore = databaseRules.count
        do {
            for (index, old) in running.enumerated() {
                guard let new = wanted[old.id], listenerStates.indices.contains(index) else { continue }
                if new.bind.value != old.bind.value {
                    report.needsRestart.append("\(old.id) bind \(old.bind.value) → \(new.bind.value)")
                    continue
                }
                var tls: TLSContext?
                if let options = new.sslOptions {
                    guard let files = material[new.id] else { throw PreflightMissing(listenerID: new.id) }
                    let kept = revocation[new.id]
                    let renewed = try startRevocation(new.id, options, files, keeping: kept)
                    started.append(renewed)
                    newRevocation[new.id] = renewed
                    if renewed.staple !== kept?.staple, renewed.staple != nil { report.applied.append("\(new.id) OCSP stapling") }
                    if renewed.crls !== kept?.crls, renewed.crls != nil { report.applied.append("\(new.id) CRL checks") }
                    tls = try TLSContext.server(options, material: files, psk: pskResolver, staple: renewed.staple, crls: renewed.crls)
                    report.applied.append("\(new.id) ssl_options")
                }
                report.applied.append("\(new.id) access_rules and limits")
                swaps.append((listenerStates[index], new, tls, listenerAuthentication(new, mqtt: newConfig.mqtt)))
                applied[index] = new
                newTrust[new.id] = TrustSettings(new, material: material[new.id], paths: paths)
            }
            policy = try authorizationPolicy(newConfig.authorization)
        } catch {
            // Nothing changes: what this reload started stops again.
            stop(started.map { (revocation[$0.listenerID] ?? ListenerRevocation()).replacing($0) })
            databaseRules.removeSubrange(rulesBefore...)
            throw error
        }
        report.applied.append("authorization (\(newConfig.authorization.sources.count) sources)")
        // Enforcing judges every client by the trust in force, changed now or at an earlier
        // reload that only reported.
        let reviewed = applied.filter { listener in newTrust[listener.id].map { enforce || $0 != trust[listener.id] } ?? false }
        if !reviewed.isEmpty {
            let clients = try driver.eventLoop.submit { [driver] in driver.value.connectedClients() }.wait()
            let now = Date()
            for listener in reviewed {
                report.refusals += TrustReview.refusals(clients, listener: listener, trust: newTrust[listener.id]!, now: now)
            }
        }
        report.enforced = enforce && !report.refusals.isEmpty
        let closing = report.enforced ? report.refusals.map(\.connection) : []
        let mqtt = newConfig.mqtt
        try driver.eventLoop.submit { [driver, swaps] in
            for (state, listener, tls, authentication) in swaps {
                state.value.tls = tls ?? state.value.tls
                state.value.apply(listener)
                state.value.authentication = authentication
            }
            driver.value.replaceAuthorization(policy)
            driver.value.replaceConfig(mqtt)
            driver.value.close(closing, reason: .notAuthorized)
        }.wait()
        trust.merge(newTrust) { $1 }
        // The built_in_database rules the new policy reads refresh; those it replaced stop.
        databaseRules[..<rulesBefore].forEach { $0.stop() }
        databaseRules.removeSubrange(..<rulesBefore)
        databaseRules.forEach { $0.startRefreshing() }
        if newConfig.mqtt != config.mqtt { report.applied.append("mqtt (for new connections)") }
        // The staplers and caches no listener uses any more stop.
        stop(newRevocation.values.map { $0.replacing(revocation[$0.listenerID]) })
        applying.withLock {
            config = newConfig
            running = applied
            self.material.merge(material) { $1 }
            revocation.merge(newRevocation) { $1 }
        }
        return report
    }

    /// The broker's event loop (a promise made there completes in order with its work).
    package var eventLoop: any EventLoop { driver.eventLoop }

    /// Every counter and state behind metrics and status, read in one step on the event loop.
    package func snapshot() -> EventLoopFuture<ServerSnapshot> {
        let loop = driver.eventLoop
        let (running, material, config, revocation) = applying.withLock { (self.running, self.material, self.config, self.revocation) }
        let listeners = zip(running, zip(listenerStates, channels))
        let psk = pskResolver?.count
        let startedAt = self.startedAt
        return loop.submit { [driver] in
            let broker = driver.value.broker
            return ServerSnapshot(
                startedAt: startedAt, takenAt: Date(),
                listeners: listeners.map { listener, bound in
                    let (state, channel) = (bound.0.value, bound.1.channel)
                    let kept = revocation[listener.id]
                    return ServerSnapshot.Listener(
                        config: listener, boundAddress: channel.localAddress?.logDescription ?? "?",
                        connections: state.connections, handshakes: state.handshakes, handshakeFailures: state.handshakeFailures,
                        deniedByAccessRules: state.deniedByAccessRules, shedByCapacity: state.shedByCapacity,
                        shedByRate: state.shedByRate, bytesReceived: state.bytesReceived, bytesSent: state.bytesSent,
                        material: material[listener.id],
                        staple: kept?.staple.map { .init(status: $0.status, fetchedAt: $0.fetchedAt, lastError: $0.lastError) },
                        crlSources: kept?.crls?.sources())
                },
                sessions: broker.sessionCount, connectedClients: broker.connectedCount, messagesReceived: broker.messagesReceived,
                messagesDelivered: broker.messagesDelivered, dropsQueueFull: broker.drops.queueFull,
                dropsQoS0NotQueued: broker.drops.qos0NotQueued, dropsTooLarge: broker.drops.tooLarge, pskIdentities: psk,
                config: config)
        }
    }

    /// Stops staplers and CRL caches, on the loop.
    private func stop(_ parts: [(stapler: NIOLoopBound<OCSPStapler>?, crls: CRLCache?)]) {
        guard !parts.isEmpty else { return }
        try? driver.eventLoop.submit {
            for part in parts {
                part.stapler?.value.stop()
                part.crls?.stop()
            }
        }.wait()
    }

    /// Stops accepting, tells 5.0 clients the server is shutting down (0x8B), closes every
    /// connection, and stops the event loop.
    public func shutdown() {
        let loop = driver.eventLoop
        let started = NIODeadline.now()
        let states = listenerStates
        let open = (try? loop.submit { states.reduce(0) { $0 + $1.value.connections } }.wait()) ?? 0
        logger.notice("stopping: closing \(open) connection\(open == 1 ? "" : "s")")
        defer {
            let milliseconds = (NIODeadline.now() - started).nanoseconds / 1_000_000
            logger.notice("stopped: \(open) connection\(open == 1 ? "" : "s") closed in \(milliseconds) ms")
        }
        stop(revocation.values.map { ($0.stapler, $0.crls) })
        try? loop.flatSubmit { [channels] in
            EventLoopFuture.andAllComplete(channels.map { $0.channel.close() }, on: loop)
        }.wait()
        try? loop.submit { [driver] in driver.value.shutdown() }.wait()
        authentication.shutdown()
        databaseRules.forEach { $0.stop() }
        try? group.syncShutdownGracefully()
        try? threadPool.syncShutdownGracefully()
    }
}

/// Authentication or authorization could not be set up (the user database, a bootstrap file,
/// an https backend's TLS files).
public struct AuthenticationStartError: Error, CustomStringConvertible {
    public let description: String
}

/// A served ssl listener without the material preflight loads: `serve` must run preflight,
/// and refuse to start on its errors, before it binds.
struct PreflightMissing: Error, CustomStringConvertible {
    let listenerID: String
    var description: String { "\(listenerID): no certificate and key from preflight (it found errors, or did not run)" }
}

/// A listener that could not bind, in words: which one, which address, and what to do.
public struct ListenerBindError: Error, CustomStringConvertible {
    public let description: String

    init(listener: ListenerConfig, error: any Error) {
        let address = listener.bind.value.description
        let port = listener.bind.value.port
        if let io = error as? IOError, io.errnoCode == EADDRINUSE {
            description =
                "\(listener.id) \(address) is already in use (`ss -ltnp 'sport = :\(port)'` shows by what; "
                + "another broker, such as a mosquitto service?), or change \(listener.keyPath).bind"
        } else if let io = error as? IOError {
            description = "\(listener.id) cannot bind \(address): \(String(cString: strerror(io.errnoCode))) (errno \(io.errnoCode))"
        } else {
            description = "\(listener.id) cannot bind \(address): \(error)"
        }
    }
}
