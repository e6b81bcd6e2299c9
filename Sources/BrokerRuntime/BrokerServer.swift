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
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Revocation
import Stores

/// Runs the broker: the broker core on one event loop (so its state needs no locks),
/// connections on every loop of the group (`BrokerLoops`), one server channel per served
/// listener (tcp, ssl, and the ws and wss ones the config writes).
public final class BrokerServer: @unchecked Sendable {
    var config: BrokerConfig
    let logger: Logger
    let loops: BrokerLoops
    private let routingLoopAlone: Bool
    var driver: NIOLoopBound<BrokerDriver> { loops.driver }
    /// The listeners running, each as last applied. A reload replaces the array (under
    /// `applying`), starting and stopping listeners in it.
    var listeners: [RunningListener] = []
    /// What each running listener trusts in clients, for a reload to compare against.
    var trust: [String: TrustSettings] = [:]
    /// Each TLS listener's stapler and CRL cache: a reload keeps them, or replaces them when
    /// their settings or the certificates they work for changed.
    var revocation: [String: ListenerRevocation] = [:]

    var material: [String: ListenerMaterial]
    private let startedAt = Date()
    /// Guards what a reload replaces (`config`, `listeners`, `material`, `revocation`) against
    /// `snapshot()` and the heap trimmer reading it from other threads.
    let applying = NIOLock()
    let pskResolver: (any PSKResolver)?
    let paths: PathResolver
    private let userDatabase: String
    /// The broker state store's file, opened when sessions or retained messages are durable.
    private let stateStore: String
    /// What the broker core started with and keeps until a restart (a reload says so).
    let running: (retainer: RetainerConfig, sessionPersistence: SessionPersistenceConfig)
    /// Where costly password hashes (bcrypt, pbkdf2) are checked, off the event loop.
    private let threadPool = NIOThreadPool(numberOfThreads: 1)
    private var authentication = AuthenticationService.empty
    /// The built_in_database authorization source, reloaded while serving.
    var databaseRules: [DatabaseACLSource] = []

    /// Serves `config` with the files preflight read for it (`PreflightReport.material`, by
    /// listener id): nothing behind certfile, keyfile, cacertfile, dhfile or issuer_pem is
    /// read again. `pskResolver` answers PSK identities on ssl listeners when PSK is enabled;
    /// relative crlfile paths are resolved by `paths`; built_in_database users live in
    /// `userDatabase`. Connections run on `threads` event loops (at least 1); with
    /// `routingLoopAlone`, on all of them but the broker's (an alternative for benchmarks).
    public init(
        config: BrokerConfig, material: [String: ListenerMaterial], logger: Logger, pskResolver: (any PSKResolver)? = nil,
        paths: PathResolver = PathResolver(), userDatabase: String = "data/users.db", stateStore: String = "data/broker.db",
        threads: Int = 1, routingLoopAlone: Bool = false
    ) {
        self.routingLoopAlone = routingLoopAlone
        self.userDatabase = userDatabase
        threadPool.start()
        self.config = config
        self.material = material
        self.logger = logger
        self.pskResolver = pskResolver
        self.paths = paths
        self.stateStore = stateStore
        running = (config.retainer, config.sessionPersistence)
        let (mqtt, forceShutdown, retainer) = (config.mqtt, config.forceShutdown, config.retainer)
        let persistence = config.sessionPersistence.enable
        HeapTrimmer.fixTrimThreshold()
        loops = BrokerLoops(
            threads: min(max(1, threads), Self.maximumThreads), routingAlone: routingLoopAlone,
            broker: {
                Broker(config: mqtt, forceShutdown: forceShutdown, retainer: retainer, sessionPersistence: persistence, logger: logger)
            }, config: mqtt, logger: logger)
    }

    /// Opens the state store when anything is durable (`session_persistence`, or
    /// `retainer.backend.storage_type = disc`), and starts the broker core with what it held.
    private func startDurability() throws {
        let durable = config.sessionPersistence.enable || config.retainer.storageType == .disc
        let restoreRetained = config.retainer.storageType == .disc
        let (path, logger) = (stateStore, self.logger)
        let restored = try driver.eventLoop.submit { [driver] () throws -> (sessions: Int, retained: Int)? in
            guard durable else {
                driver.value.start(restoring: RestoredState(), journal: nil)
                return nil
            }
            let store = try BrokerStateStore.open(path: path)
            let clock = WallClock.now()
            let (sessions, retained) = try store.load(now: clock.milliseconds)
            let state = try RestoredState(sessions: sessions, retained: restoreRetained ? retained : [], clock: clock)
            let journal = StateJournal(store: store, eventLoop: driver.value.eventLoop, logger: logger)
            driver.value.start(restoring: state, journal: journal)
            return (state.sessions.count, state.retained.count)
        }.wait()
        if let restored {
            logger.notice(
                "Broker state store \(path): \(restored.sessions) durable session\(restored.sessions == 1 ? "" : "s") and \(restored.retained) retained message\(restored.retained == 1 ? "" : "s") restored."
            )
        }
    }

    /// The most event loops a server runs (a ConnectionID names its loop in one byte).
    public static let maximumThreads = ConnectionID.maximumLoops - 1

    /// `authorization` as the broker applies it: its sources in order, then no_match. The
    /// built_in_database source opens the user store.
    func authorizationPolicy(_ config: AuthorizationConfig) throws -> AuthorizationPolicy {
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
            try startDurability()
        } catch {
            throw StateStoreStartError(description: "\(error)")
        }
        do {
            let policy = try authorizationPolicy(config.authorization)
            try driver.eventLoop.submit { [driver] in driver.value.replaceAuthorization(policy) }.wait()
        } catch {
            throw AuthenticationStartError(description: "authorization cannot start: \(error)")
        }
        for listener in config.servedListeners {
            let (running, kept) = try startListener(listener, material: material[listener.id], mqtt: config.mqtt)
            listeners.append(running)
            revocation[listener.id] = kept
            trust[listener.id] = TrustSettings(listener, material: material[listener.id], paths: paths)
            bound.append((listener.id, running.channel.localAddress!))
        }
        let threads = loops.loops.count
        let placement = routingLoopAlone && threads > 1 ? "; connections on the others" : ""
        logger.notice("Serving on \(threads) event loop\(threads == 1 ? "" : "s") (the broker core on the first\(placement)).")
        try scheduleHeapTrim()
        authentication.startRefreshing()
        databaseRules.forEach { $0.startRefreshing() }
        return bound
    }

    /// Binds one listener (its TLS context, stapler and CRL cache first); nothing of it is
    /// left running when it fails.
    func startListener(
        _ listener: ListenerConfig, material files: ListenerMaterial?, mqtt: MQTTConfig
    ) throws -> (RunningListener, ListenerRevocation?) {
        var tls: TLSContext?
        var kept: ListenerRevocation?
        if let options = listener.sslOptions {
            guard let files else { throw PreflightMissing(listenerID: listener.id) }
            let revocation = try startRevocation(listener.id, options, files)
            kept = revocation
            do {
                tls = try TLSContext.server(options, material: files, psk: pskResolver, staple: revocation.staple, crls: revocation.crls)
            } catch {
                stop([(revocation.stapler, revocation.crls)])
                throw error
            }
        }
        let channel: any Channel
        let states: ListenerStates
        do {
            let bound = try bind(listener, tls: tls, mqtt: mqtt)
            states = bound.states
            channel = try bound.channel.wait()
            try channel.applyLinger(listener.tcpOptions)
        } catch {
            stop([(kept?.stapler, kept?.crls)])
            throw ListenerBindError(listener: listener, error: error)
        }
        logger.notice("Listener \(listener.id) on \(channel.localAddress?.logDescription ?? "?") started.")
        return (RunningListener(config: listener, states: states, channel: channel), kept)
    }

    /// Stops one listener: no more accepts, its connections closed (5.0 clients told the
    /// server is shutting down), its stapler and CRL cache stopped. Returns how many
    /// connections were closed.
    @discardableResult
    func stopListener(_ running: RunningListener) -> Int {
        let id = running.config.id
        let address = running.channel.localAddress?.logDescription ?? "?"
        try? running.channel.close().wait()
        let closed = (try? loops.withEachPort { $0.closeConnections(ofListener: id) }.wait())?.reduce(0, +) ?? 0
        if let kept = revocation[id] { stop([(kept.stapler, kept.crls)]) }
        logger.notice("Listener \(id) on \(address) stopped: \(closed) connection\(closed == 1 ? "" : "s") closed.")
        return closed
    }

    /// A listener's OCSP stapler and CRL cache, started; each part only where it is on.
    func startRevocation(
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
        let driver = self.driver
        loop.scheduleRepeatedTask(initialDelay: .seconds(2), delay: .seconds(2)) { [weak self] _ in
            guard let self else { return }
            let admissions = self.applying.withLock { self.listeners.map(\.states.admission) }
            let connections = admissions.reduce(0) { $0 + $1.counts.turnover }
            _ = trimmer.value.check(activity: connections + driver.value.broker.messagesReceived / 100)
        }
    }

    /// The listener's state and its server channel, binding. Throws rather than crashes when
    /// called after `shutdown()`.
    private func bind(
        _ listener: ListenerConfig, tls: TLSContext?, mqtt: MQTTConfig
    ) throws -> (states: ListenerStates, channel: EventLoopFuture<any Channel>) {
        let loops = self.loops
        let logger = self.logger
        let authentication = listenerAuthentication(listener, mqtt: mqtt)
        let admission = ListenerAdmission(maxConnections: listener.maxConnections, maxConnectionRate: listener.maxConnectionRate)
        let states = ListenerStates(
            admission: admission,
            byLoop: try loops.onEach { _ in
                let state = ListenerState(listener, admission: admission, authentication: authentication, logger: logger)
                state.tls = tls
                return state
            })
        let tcp = listener.tcpOptions
        let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: tcp.highWatermark / 2, high: tcp.highWatermark)
        let handshakeTimeout = TimeAmount.milliseconds(listener.sslOptions?.handshakeTimeout.milliseconds ?? 15_000)
        let listenerID = listener.id
        let proxyProtocol = listener.proxyProtocol
        let proxyTimeout = TimeAmount.milliseconds(listener.proxyProtocolTimeout.milliseconds)
        let channel = ServerBootstrap(group: loops.group)
            .applying(tcp)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Backs off accepting when it fails (out of file descriptors), and says why.
                    try channel.pipeline.syncOperations.addHandler(AcceptFailureHandler(listenerID: listenerID, logger: logger))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The loop NIO handed the connection to: its state and port there.
                    let index = loops.index(of: channel.eventLoop)
                    let (state, port) = (states.byLoop[index].value, loops.ports[index].value)
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
                        try channel.pipeline.syncOperations.addHandler(ProxyProtocolHandler(listener: state, timeout: proxyTimeout))
                    }
                    if let tls = state.tls {
                        let handler = try TLSHandler(context: tls, role: .server(state), handshakeTimeout: handshakeTimeout)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    if let websocket = state.websocket {
                        // The upgrade, like CONNECT, must come within mqtt.idle_timeout of accept.
                        let deadline = TimeAmount.milliseconds(port.config.idleTimeout.milliseconds)
                        try Self.addWebSocket(
                            websocket, to: channel, state: states.byLoop[index], port: loops.ports[index], deadline: deadline)
                    } else {
                        try channel.pipeline.syncOperations.addHandler(MQTTConnectionHandler(port: port, listener: state))
                    }
                }
            }
            .bind(host: listener.bind.value.address ?? "0.0.0.0", port: Int(listener.bind.value.port))
        return (states, channel)
    }

    /// Who a listener's CONNECTs are: the authentication chain, and the identity rules of
    /// `mqtt {}` (peer_cert_as_*, use_username_as_clientid, psk_identity_as_*).
    func listenerAuthentication(_ listener: ListenerConfig, mqtt: MQTTConfig) -> ListenerAuthentication {
        let verifiesPeer = listener.sslOptions?.verify == .verifyPeer
        return ListenerAuthentication(
            service: authentication, mode: listener.enableAuthn,
            identity: ClientIdentityRules(
                mqtt, verifiesPeer: verifiesPeer || listener.proxyProtocol, psk: listener.sslOptions != nil && pskResolver != nil),
            listenerID: listener.id)
    }

    /// The broker's event loop (a promise made there completes in order with its work).
    package var eventLoop: any EventLoop { driver.eventLoop }

    /// Every counter and state behind metrics and status: each loop's counters read on that
    /// loop, then the broker's on its own.
    package func snapshot() -> EventLoopFuture<ServerSnapshot> {
        let (listeners, material, config, revocation) = applying.withLock {
            (self.listeners, self.material, self.config, self.revocation)
        }
        let psk = pskResolver?.count
        let startedAt = self.startedAt
        let traffic = loops.loops.indices.map { index in
            loops.loops[index].submit { listeners.map { $0.states.byLoop[index].value.traffic } }
        }
        return EventLoopFuture.whenAllSucceed(traffic, on: loops.home).map { [driver] byLoop in
            let broker = driver.value.broker
            return ServerSnapshot(
                startedAt: startedAt, takenAt: Date(),
                listeners: listeners.enumerated().map { offset, running in
                    let (listener, channel) = (running.config, running.channel)
                    let traffic = byLoop.reduce(into: ListenerState.Traffic()) { $0.add($1[offset]) }
                    let counts = running.states.admission.counts
                    let kept = revocation[listener.id]
                    return ServerSnapshot.Listener(
                        config: listener, boundAddress: channel.localAddress?.logDescription ?? "?",
                        connections: counts.connections, handshakes: traffic.handshakes, handshakeFailures: traffic.handshakeFailures,
                        deniedByAccessRules: counts.deniedByAccessRules, shedByCapacity: counts.shedByCapacity,
                        shedByRate: counts.shedByRate, bytesReceived: traffic.bytesReceived, bytesSent: traffic.bytesSent,
                        material: material[listener.id],
                        staple: kept?.staple.map(\.current).map {
                            .init(status: $0.status, fetchedAt: $0.fetchedAt, lastError: $0.lastError)
                        },
                        crlSources: kept?.crls?.sources())
                },
                sessions: broker.sessionCount, connectedClients: broker.connectedCount, messagesReceived: broker.messagesReceived,
                messagesDelivered: broker.messagesDelivered, dropsQueueFull: broker.drops.queueFull,
                dropsQoS0NotQueued: broker.drops.qos0NotQueued, dropsTooLarge: broker.drops.tooLarge, pskIdentities: psk,
                config: config)
        }
    }

    /// Stops staplers and CRL caches, on the loop.
    func stop(_ parts: [(stapler: NIOLoopBound<OCSPStapler>?, crls: CRLCache?)]) {
        guard !parts.isEmpty else { return }
        try? driver.eventLoop.submit {
            for part in parts {
                part.stapler?.value.stop()
                part.crls?.stop()
            }
        }.wait()
    }

    /// A ws or wss connection's layers above TLS: admission at accept, then HTTP until the
    /// upgrade (NIOHTTP1's server pipeline with our upgrader), then WebSocket frames to bytes
    /// and the MQTT handler that tcp and ssl have.
    private static func addWebSocket(
        _ websocket: WebSocketConfig, to channel: any Channel, state: NIOLoopBound<ListenerState>, port: NIOLoopBound<LoopPort>,
        deadline: TimeAmount
    ) throws {
        let pipeline = channel.pipeline.syncOperations
        let accept = WebSocketAcceptHandler(listener: state.value, deadline: deadline)
        let refusal = WebSocketRefusalHandler(policy: WebSocketUpgradePolicy(config: websocket), listener: state.value)
        try pipeline.addHandler(accept)
        let acceptBound = NIOLoopBound(accept, eventLoop: channel.eventLoop)
        let upgrader = MQTTWebSocketUpgrader(
            config: websocket, listener: state, refusal: NIOLoopBound(refusal, eventLoop: channel.eventLoop)
        ) {
            pipeline, head in
            // The framing handler leaves room for a frame header in front of each packet.
            try pipeline.addHandler(
                MQTTConnectionHandler(
                    port: port.value, listener: state.value, admitted: true, headroom: WebSocketFrameHeader.maximumLength))
            let forwarded = ForwardedClient.from(
                head.headers, addressHeader: websocket.proxyAddressHeader, portHeader: websocket.proxyPortHeader,
                peer: channel.remoteAddress)
            acceptBound.value.handOver(context: try pipeline.context(handler: acceptBound.value), forwarded: forwarded)
        }
        try pipeline.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }), withErrorHandling: true)
        try pipeline.addHandler(refusal)
    }

    /// Waits, at most `limit`, for every durable change to be on disk.
    private func settleStateStore(within limit: TimeAmount) {
        let done = DispatchSemaphore(value: 0)
        let logger = self.logger
        driver.eventLoop.flatSubmit { [driver] in driver.value.settle() }.whenComplete { result in
            if case .success(let written?) = result {
                logger.info("broker state store: \(written.changes) changes written in \(written.groups) groups since start")
            }
            done.signal()
        }
        if done.wait(timeout: .now() + .nanoseconds(Int(limit.nanoseconds))) == .timedOut {
            logger.error(
                "stopping without the last changes to the broker state store: not written within \(limit.nanoseconds / 1_000_000_000) s")
        }
    }

    /// Stops accepting, tells 5.0 clients the server is shutting down (0x8B), closes every
    /// connection, and stops the event loop.
    public func shutdown() {
        let loop = driver.eventLoop
        let started = NIODeadline.now()
        let (admissions, channels) = applying.withLock { (listeners.map(\.states.admission), listeners.map(\.channel)) }
        let open = admissions.reduce(0) { $0 + $1.counts.connections }
        logger.notice("stopping: closing \(open) connection\(open == 1 ? "" : "s")")
        defer {
            let milliseconds = (NIODeadline.now() - started).nanoseconds / 1_000_000
            logger.notice("stopped: \(open) connection\(open == 1 ? "" : "s") closed in \(milliseconds) ms")
        }
        stop(revocation.values.map { ($0.stapler, $0.crls) })
        try? loop.flatSubmit {
            EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: loop)
        }.wait()
        try? loop.submit { [driver] in driver.value.shutdown() }.wait()
        // What the broker handed other loops (DISCONNECTs, closes) is queued there before this.
        _ = try? loops.withEachPort { _ in }.wait()
        // Their closes, come back, are the sessions' disconnect times: on disk before the end.
        settleStateStore(within: .seconds(10))
        authentication.shutdown()
        databaseRules.forEach { $0.stop() }
        loops.shutdown()
        try? threadPool.syncShutdownGracefully()
    }
}

/// The broker state store could not be opened or read (locked, damaged, too new).
public struct StateStoreStartError: Error, CustomStringConvertible {
    public let description: String
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
