import Authentication
import BrokerCore
import BrokerTLS
import ConfigModel
import Foundation
import Logging
import MQTTCore
import NIOCore
import ProxyProtocol

/// One client connection: bytes in through the pure parser, packets to the broker core (via
/// its loop's port), packets out through the encoder. Also the one place that turns a codec error
/// into the answer the spec prescribes (CONNACK or DISCONNECT with its reason code), and that
/// enforces admission (access_rules, max_connections, max_conn_rate, and access_rules again
/// on a PROXY header's address), authentication at CONNECT (identity rules, then the chain,
/// holding later packets), the CONNECT timeout, keep-alive and tcp_options.send_timeout.
///
/// Time is the event loop's (`eventLoop.now`), so tests drive it on an embedded loop.
final class MQTTConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let port: LoopPort
    private let listener: ListenerState
    private var inbound: MQTTInboundStream
    private var context: ChannelHandlerContext?
    /// The broker's name for this connection, once admitted.
    private var id: ConnectionID?
    /// The client id, once CONNECT was accepted.
    private var clientID: String?
    private var protocolVersion: ProtocolVersion = .v3_1_1
    private var keepAliveTimeout: TimeAmount?
    private var lastActivity = NIODeadline.uptimeNanoseconds(0)
    /// When the pending timer fires, and which arming it belongs to: a timer whose generation
    /// is not the latest finds nothing to do.
    private var timerDeadline: NIODeadline?
    private var timerGeneration = 0
    private var closed = false
    /// Whether the first bytes have arrived (a TLS ClientHello is recognised by them).
    private var sawBytes = false
    /// The peer's address, taken at accept: a closed channel no longer knows it.
    private var peer: SocketAddress?
    /// Whether a send-timeout check is pending, and how many bytes were waiting when it was
    /// armed.
    private var sendCheckArmed = false
    private var unsentAtArm = 0
    /// Who the TLS handshake proved the peer to be (ssl listeners).
    private var peerIdentity: TLSPeerIdentity?
    /// What a TLS-terminating proxy said of the client's TLS (its PROXY v2 SSL TLV).
    private var proxiedSSL: ProxyHeader.SSL?
    /// While the authentication chain decides a CONNECT: reading stops, and what arrived
    /// meanwhile waits in `inbound`, unparsed.
    private var authenticating = false
    /// While the broker, on another loop, decides a CONNECT: what arrives meanwhile waits in
    /// `inbound`, and reading stops if anything does.
    private var connecting = false
    /// Why reading is stopped: a CONNECT the broker is deciding, or a broker on another loop
    /// that has more of this loop's input than it may hold (`LoopPort.read`).
    private var pausedForConnect = false
    private var pausedForBroker = false
    /// Whether autoRead is off (for any of those, or authentication).
    private var readingPaused = false
    /// An HTTP backend's `expire_at` for the CONNECT being decided.
    private var expiresAt: Int64?

    /// Whether the connection was admitted before this handler came (a WebSocket's, at accept).
    private let admitted: Bool
    /// Room left in front of each packet written, for a WebSocket frame header to be put
    /// there (NIOWebSocket's encoder then needs no buffer of its own).
    private let headroom: Int

    init(port: LoopPort, listener: ListenerState, admitted: Bool = false, headroom: Int = 0) {
        self.port = port
        self.listener = listener
        self.admitted = admitted
        self.headroom = headroom
        self.inbound = MQTTInboundStream(
            parser: MQTTPacketParser(limits: MQTTDecoderLimits(maximumPacketSize: port.config.maxPacketSize)))
    }

    private var logger: Logger { port.logger }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // After a WebSocket upgrade: the connection was admitted at accept, and is active.
        if admitted, context.channel.isActive { begin(context) }
    }

    // Peer addresses come from `context.channel.remoteAddress`, which NIO read once at accept;
    // `context.remoteAddress` asks the kernel (getpeername) at every call.
    func channelActive(context: ChannelHandlerContext) {
        guard listener.admitLogging(context.channel.remoteAddress, now: context.eventLoop.now) else { return refuse(context) }
        begin(context)
        context.fireChannelActive()
    }

    /// An admitted connection: registered with the broker, its idle deadline armed.
    private func begin(_ context: ChannelHandlerContext) {
        lastActivity = context.eventLoop.now
        peer = peer ?? context.channel.remoteAddress
        id = port.register(self)
        arm(in: idleTimeout)
    }

    private func refuse(_ context: ChannelHandlerContext) {
        closed = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        if let id {
            listener.leave()
            port.closed(id)
        }
        id = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed, let id else { return }
        let bytes = unwrapInboundIn(data)
        listener.bytesReceived &+= bytes.readableBytes
        if clientID == nil, !sawBytes {
            sawBytes = true
            if bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == 0x16 { return tlsOnPlaintextPort(context) }
        }
        if port.read(bytes.readableBytes, by: id, self) { pausedForBroker = true }
        inbound.append(bytes)
        if connecting { pausedForConnect = true }
        updateReading(context)
        if holding { return }
        // Before CONNECT, bytes do not buy time: idle_timeout counts from accept, so a CONNECT
        // trickled in a byte at a time (slowloris) cannot hold the connection.
        if clientID != nil { lastActivity = context.eventLoop.now }
        handleInbound(from: id)
    }

    /// Whether packets wait unparsed for a CONNECT's decision.
    private var holding: Bool { authenticating || connecting }

    /// The packets `inbound` holds, until one is held up.
    private func handleInbound(from id: ConnectionID) {
        do {
            while !closed, !holding, let packet = try inbound.next() { handle(packet, from: id) }
        } catch {
            protocolViolation(error)
        }
    }

    /// Stops or restarts reading as the pauses say; nothing when that does not change.
    private func updateReading(_ context: ChannelHandlerContext) {
        let paused = authenticating || pausedForConnect || pausedForBroker
        guard paused != readingPaused else { return }
        readingPaused = paused
        try? context.channel.syncOptions?.setOption(.autoRead, value: !paused)
        if !paused { context.read() }
    }

    /// The broker on another loop has caught up with this loop's input.
    func brokerCaughtUp() {
        pausedForBroker = false
        if !closed, let context { updateReading(context) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let identity = event as? TLSPeerIdentity { peerIdentity = identity }
        if let proxied = event as? ProxiedConnection { proxiedConnection(proxied) }
        if let forwarded = event as? ForwardedClient { realPeer(forwarded.address, from: "the proxy's X-Forwarded-For header") }
        context.fireUserInboundEventTriggered(event)
    }

    /// A PROXY header named the real client: from now on it is the peer (logs, `${peerhost}`,
    /// `{ipaddr, …}` rules), and access_rules are checked again on it. Beyond EMQX, which checks
    /// only the proxy's address.
    private func proxiedConnection(_ proxied: ProxiedConnection) {
        proxiedSSL = proxied.header.ssl
        guard let address = proxied.address else { return }
        realPeer(address, from: "the PROXY header")
    }

    /// The client's real address, learned after accept: the peer from now on, and access_rules
    /// checked again on it.
    private func realPeer(_ address: SocketAddress, from source: String) {
        peer = address
        if !listener.accessRules.isEmpty, let rule = listener.accessRules.denying(address.addressBytes) {
            listener.logFailure(
                "connection refused on \(listener.id) by its access rule \"\(rule)\" (the address \(source) gave)", peer: peer)
            close(reason: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        port.readComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let id, clientID != nil { port.writabilityChanged(id, isWritable: context.channel.isWritable) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error: \(error)")
        close(reason: nil)
    }

    // MARK: Packets

    private func handle(_ packet: MQTTPacket, from id: ConnectionID) {
        guard clientID != nil else {
            guard case .connect(let connect) = packet else { return protocolViolation(.protocolError("the first packet must be CONNECT")) }
            protocolVersion = connect.protocolVersion
            if listener.authentication.isActive { return authenticate(connect, from: id) }
            return accept(connect, from: id, certificate: certificate, isSuperuser: false)
        }
        port.receive(packet, from: id)
    }

    /// The verified client certificate, from the handshake or a TLS-terminating proxy.
    private var certificate: PeerCertificate? {
        if let der = peerIdentity?.certificateDER { return PeerCertificate(der: der) }
        guard let ssl = proxiedSSL, ssl.clientCertificateVerified, let commonName = ssl.commonName else { return nil }
        return PeerCertificate(proxiedCommonName: commonName)
    }

    /// Hands the CONNECT to the broker with who the client is, for authorization. Its outcome
    /// comes at once on the broker's loop, and through `connected(_:)` from the others.
    private func accept(_ connect: ConnectPacket, from id: ConnectionID, certificate: PeerCertificate?, isSuperuser: Bool) {
        connecting = true
        let client = AuthorizationClient(
            clientID: connect.clientIdentifier, username: connect.username, peerAddress: peer?.addressBytes ?? [],
            commonName: certificate?.commonName, isSuperuser: isSuperuser)
        guard let outcome = port.connect(connect, from: id, client: client) else { return }
        connecting = false
        established(outcome)
    }

    /// The broker's answer to CONNECT, from another loop: the packets that waited are handled now.
    func connected(_ outcome: Broker.ConnectOutcome) {
        connecting = false
        // A refused CONNECT's close follows in the same delivery.
        guard !closed, let context, let id, case .accepted = outcome else { return }
        established(outcome)
        pausedForConnect = false
        updateReading(context)
        handleInbound(from: id)
    }

    /// A CONNECT the broker accepted: the client id, and keep-alive from now on.
    private func established(_ outcome: Broker.ConnectOutcome) {
        guard case .accepted(let clientID, let keepAlive) = outcome else { return }
        if let expiresAt, let context { expire(at: expiresAt, context: context) }
        self.clientID = clientID
        lastActivity = context?.eventLoop.now ?? lastActivity
        if keepAlive > 0 {
            let seconds = Double(keepAlive) * port.config.keepaliveMultiplier
            keepAliveTimeout = .nanoseconds(Int64(seconds * 1_000_000_000))
            arm(in: keepAliveTimeout!)
        }
    }

    // MARK: Authentication

    /// Takes the identity the listener's rules give, then runs the chain without blocking: reading
    /// stops until it decides, and packets that arrived meanwhile are handled after.
    private func authenticate(_ connect: ConnectPacket, from id: ConnectionID) {
        guard let context else { return }
        let authentication = listener.authentication
        switch authentication.identity.apply(to: connect, certificate: certificate, pskIdentity: peerIdentity?.pskIdentity) {
        case .refused(let reason, let why):
            refuseConnect(reason, why: why, client: connect.clientIdentifier)
        case .identified(let packet, let certificate):
            var credentials = ClientCredentials(
                clientID: packet.clientIdentifier, username: packet.username, password: packet.password,
                peerHost: peer?.ipAddress ?? "", peerPort: peer?.port ?? 0, listener: listener.id)
            credentials.certificate = certificate
            credentials.hasAuthenticationMethod = packet.properties.authenticationMethod != nil
            authenticating = true
            updateReading(context)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            authentication.service.decide(credentials, mode: authentication.mode, on: context.eventLoop).whenComplete { result in
                handler.value.authenticated(result, packet, certificate: certificate, from: id)
            }
        }
    }

    private func authenticated(
        _ result: Result<AuthenticationChain.Step, any Error>, _ packet: ConnectPacket, certificate: PeerCertificate?, from id: ConnectionID
    ) {
        authenticating = false
        guard !closed, let context else { return }
        switch result {
        case .success(.allowed(let isSuperuser, _, let expiresAt)):
            self.expiresAt = expiresAt
            accept(packet, from: id, certificate: certificate, isSuperuser: isSuperuser)
        case .success(.refused(let failure, let why)):
            refuseConnect(failure.reasonCode, why: why, client: packet.clientIdentifier)
        case .success(.ask), .failure:
            refuseConnect(.serverUnavailable, why: "the authentication chain did not decide", client: packet.clientIdentifier)
        }
        guard !closed else { return }
        updateReading(context)
        handleInbound(from: id)
        port.readComplete()
    }

    /// An HTTP backend's `expire_at`: the connection ends then, with DISCONNECT 0x87 (not
    /// authorized) for 5.0 clients, as EMQX ends it.
    private func expire(at seconds: Int64, context: ChannelHandlerContext) {
        let delay = TimeAmount.milliseconds(max(0, seconds * 1000 - Int64(Date().timeIntervalSince1970 * 1000)))
        let handler = NIOLoopBound(WeakReference(self), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            guard let handler = handler.value.object, !handler.closed else { return }
            handler.listener.log(
                .info, "the authentication backend's expire_at has passed; closing", peer: handler.peer, client: handler.clientID)
            handler.close(reason: .notAuthorized)
        }
    }

    /// CONNACK with `reason` (3.1.1's return code for it), then close; one log line says why.
    private func refuseConnect(_ reason: ReasonCode, why: String, client: String) {
        listener.log(.info, "CONNECT refused (\(reason)): \(why)", peer: peer, client: client)
        send(.connack(ConnAckPacket(reasonCode: reason)))
        flush()
        close(reason: nil)
    }

    /// 0x16 opens a TLS handshake record; no MQTT packet starts with it (CONNECT is 0x10).
    private func tlsOnPlaintextPort(_ context: ChannelHandlerContext) {
        listener.logFailure(
            "a TLS client connected to the plaintext port of \(listener.id) (use an ssl listener's port, or no TLS in the client)",
            peer: peer)
        close(reason: nil)
    }

    /// The one map from codec errors to what the peer is told (§4.13).
    private func protocolViolation(_ error: MQTTCodecError) {
        listener.log(
            .info, "protocol violation (reason code \(error.reasonCode)): \(error.reason)", peer: peer, client: clientID)
        if clientID == nil {
            if error.reasonCode == .unsupportedProtocolVersion {
                // The client's level is unknown; a 3.1.1 CONNACK (return code 1) is what
                // every client version can read.
                send(.connack(ConnAckPacket(reasonCode: .unsupportedProtocolVersion)))
                flush()
            }
            close(reason: nil)
        } else {
            close(reason: error.reasonCode)
        }
    }

    // MARK: Timers

    /// `mqtt.idle_timeout`: how long a connection may stay without a CONNECT, from accept.
    private var idleTimeout: TimeAmount { .milliseconds(port.config.idleTimeout.milliseconds) }

    /// The timeout in force: the CONNECT timeout before CONNECT, keep-alive × multiplier after
    /// (nil when the client asked for no keep-alive).
    private var currentTimeout: TimeAmount? { clientID == nil ? idleTimeout : keepAliveTimeout }

    /// Makes sure a timer fires by `lastActivity + timeout`. Timers are never cancelled:
    /// cancelling a NIO scheduled task scans the event loop's whole timer queue, which holds
    /// one for every idle connection, so each new connection would pay for all the others.
    /// A pending timer that fires first re-arms from the latest activity and the timeout then
    /// in force; an earlier deadline (a short keep-alive after CONNECT) arms a new generation,
    /// and the old timer, when it fires, finds it is stale.
    private func arm(in timeout: TimeAmount) {
        guard let context else { return }
        let deadline = lastActivity + timeout
        if let pending = timerDeadline, pending <= deadline { return }
        timerGeneration += 1
        timerDeadline = deadline
        let generation = timerGeneration
        let handler = NIOLoopBound(WeakReference(self), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(deadline: deadline) {
            guard let handler = handler.value.object, handler.timerGeneration == generation else { return }
            handler.timerFired()
        }
    }

    private func timerFired() {
        timerDeadline = nil
        guard !closed, let context, let timeout = currentTimeout else { return }
        if lastActivity + timeout > context.eventLoop.now {
            arm(in: timeout)
        } else if let clientID {
            listener.log(.info, "keep-alive timeout", peer: peer, client: clientID)
            close(reason: .keepAliveTimeout)
        } else {
            listener.log(.info, "no CONNECT within mqtt.idle_timeout; closing", peer: peer)
            close(reason: nil)
        }
    }

    /// tcp_options.send_timeout: after a flush, bytes the socket did not take wait in the
    /// channel. If, `send_timeout` later, some still wait and none of them left, nothing could
    /// be sent all that time (the client stopped reading), and the connection is closed, as
    /// EMQX closes a socket whose send blocked that long. A slow reader that took some goes on
    /// being watched. One option read per flush; a timer only while bytes wait.
    private func checkUnsent(_ context: ChannelHandlerContext) {
        guard !sendCheckArmed else { return }
        let unsent = unsentBytes(context)
        guard unsent > 0 else { return }
        sendCheckArmed = true
        unsentAtArm = unsent
        let handler = NIOLoopBound(WeakReference(self), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: listener.sendTimeout) { handler.value.object?.sendCheckDue() }
    }

    private func sendCheckDue() {
        sendCheckArmed = false
        guard !closed, let context else { return }
        let unsent = unsentBytes(context)
        guard unsent > 0 else { return }
        if unsent < unsentAtArm { return checkUnsent(context) }  // some left: still moving
        sendTimedOut()
    }

    /// Bytes written to the channel that the socket has not taken yet.
    private func unsentBytes(_ context: ChannelHandlerContext) -> Int {
        (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    private func sendTimedOut() {
        listener.logFailure(
            "closing the connection: nothing could be sent for tcp_options.send_timeout; the client stopped reading",
            peer: peer, client: clientID)
        close(reason: nil)
    }

    // MARK: What the driver asks

    /// The listener that accepted it.
    var listenerID: String { listener.id }

    /// Who this connection is, once its CONNECT was accepted.
    var connectedClient: ConnectedClient? {
        guard !closed, let id, let clientID else { return nil }
        return ConnectedClient(
            connection: id, listenerID: listener.id, clientID: clientID, certificateDER: peerIdentity?.certificateDER,
            usedPSK: peerIdentity?.pskIdentity != nil)
    }

    func send(_ packet: MQTTPacket) {
        guard !closed, let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64 + headroom)
        if headroom > 0 {
            buffer.moveWriterIndex(forwardBy: headroom)
            buffer.moveReaderIndex(forwardBy: headroom)
        }
        MQTTPacketEncoder.encode(packet, version: protocolVersion, into: &buffer)
        listener.bytesSent &+= buffer.readableBytes
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    func flush() {
        guard !closed, let context else { return }
        context.flush()
        checkUnsent(context)
    }

    /// Closes the connection; with a reason, a 5.0 client that completed CONNECT gets a
    /// DISCONNECT carrying it first.
    func close(reason: ReasonCode?) {
        guard !closed, let context else { return }
        if let reason, protocolVersion.hasProperties, clientID != nil {
            send(.disconnect(DisconnectPacket(reasonCode: reason)))
        }
        context.flush()
        closed = true
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension MQTTConnectionHandler: Sendable {}
