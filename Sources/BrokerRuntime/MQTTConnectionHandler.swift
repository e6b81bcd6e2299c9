import BrokerCore
import BrokerTLS
import ConfigModel
import Logging
import MQTTCore
import NIOCore

/// One client connection: bytes in through the pure parser, packets to the broker, packets
/// out through the encoder. Also the one place that turns a codec error into the answer the
/// spec prescribes (CONNACK or DISCONNECT with its reason code), and that enforces the
/// CONNECT timeout and keep-alive.
final class MQTTConnectionHandler: ChannelInboundHandler, MQTTConnection {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let broker: Broker
    private let listener: ListenerState
    private var inbound: MQTTInboundStream
    private var context: ChannelHandlerContext?
    private var session: Session?
    private(set) var protocolVersion: ProtocolVersion = .v3_1_1
    private var keepAliveTimeout: TimeAmount?
    private var lastActivity = NIODeadline.now()
    /// When the pending timer fires, and which arming it belongs to: a timer whose generation
    /// is not the latest finds nothing to do.
    private var timerDeadline: NIODeadline?
    private var timerGeneration = 0
    private var closed = false
    /// Whether the first bytes have arrived (a TLS ClientHello is recognised by them).
    private var sawBytes = false
    /// Whether this connection counts against its listener's max_connections.
    private var admitted = false
    /// Which stall of the outbound buffer a pending send-timeout timer belongs to.
    private var sendStallGeneration = 0

    init(broker: Broker, listener: ListenerState) {
        self.broker = broker
        self.listener = listener
        self.inbound = MQTTInboundStream(
            parser: MQTTPacketParser(limits: MQTTDecoderLimits(maximumPacketSize: broker.config.maxPacketSize)))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        switch listener.admit(context.remoteAddress) {
        case .admitted:
            admitted = true
            arm(in: idleTimeout)
            context.fireChannelActive()
        case .denied(let rule):
            // Before any byte is read (and before TLS): closed at once, as EMQX does.
            let line = "connection refused on \(listener.id) by its access rule \"\(rule)\""
            if let line = listener.failureLine(line) {
                broker.logger.warning("\(line)", metadata: ["peer": "\(context.remoteAddress?.logDescription ?? "?")"])
            }
            refuse(context)
        case .overCapacity:
            // Over max_connections: closed at once, as EMQX does (no CONNACK).
            broker.logger.warning("connection refused: \(listener.id) is at max_connections (\(listener.maxConnections ?? 0))")
            refuse(context)
        }
    }

    private func refuse(_ context: ChannelHandlerContext) {
        closed = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted { listener.leave() }
        admitted = false
        closed = true
        if let session { broker.connectionLost(session, connection: self) }
        broker.flushPending()
        session = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        let bytes = unwrapInboundIn(data)
        if session == nil, !sawBytes {
            sawBytes = true
            if bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == 0x16 { return tlsOnPlaintextPort(context) }
        }
        inbound.append(bytes)
        lastActivity = .now()
        do {
            while !closed, let packet = try inbound.next() { handle(packet) }
        } catch {
            protocolViolation(error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        broker.flushPending()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Either way, a send-timeout timer already pending belongs to an earlier stall.
        sendStallGeneration += 1
        if context.channel.isWritable {
            broker.resumePublishers()
        } else {
            armSendTimeout(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        broker.logger.debug("connection error: \(error)")
        close(reason: nil)
    }

    // MARK: Packets

    private func handle(_ packet: MQTTPacket) {
        guard let session else {
            guard case .connect(let connect) = packet else { return protocolViolation(.protocolError("the first packet must be CONNECT")) }
            protocolVersion = connect.protocolVersion
            guard let accepted = broker.connect(connect, on: self) else { return }
            session = accepted.session
            if accepted.keepAlive > 0 {
                let seconds = Double(accepted.keepAlive) * broker.config.keepaliveMultiplier
                keepAliveTimeout = .nanoseconds(Int64(seconds * 1_000_000_000))
                arm(in: keepAliveTimeout!)
            }
            return
        }
        switch packet {
        case .publish(let publish):
            broker.currentPublisher = self
            broker.publish(publish, from: session, connection: self)
            broker.currentPublisher = nil
        case .puback, .pubrec, .pubrel, .pubcomp: broker.acknowledge(packet, from: session, connection: self)
        case .subscribe(let subscribe): broker.subscribe(subscribe, from: session, connection: self)
        case .unsubscribe(let unsubscribe): broker.unsubscribe(unsubscribe, from: session, connection: self)
        case .pingreq: broker.send(.pingresp, to: self)
        case .disconnect(let disconnect):
            broker.disconnect(session, disconnect, connection: self)
            self.session = nil
            close(reason: nil)
        case .auth:
            broker.fail(self, .badAuthenticationMethod, "AUTH without an authentication method")
        case .connect, .connack, .suback, .unsuback, .pingresp:
            broker.fail(self, .protocolError, "a client sent \(packet.name)")
        }
    }

    /// 0x16 opens a TLS handshake record; no MQTT packet starts with it (CONNECT is 0x10).
    private func tlsOnPlaintextPort(_ context: ChannelHandlerContext) {
        let line = "a TLS client connected to the plaintext port of \(listener.id) (use an ssl listener's port, or no TLS in the client)"
        if let line = listener.failureLine(line) {
            broker.logger.warning("\(line)", metadata: ["peer": "\(context.remoteAddress?.logDescription ?? "?")"])
        }
        close(reason: nil)
    }

    /// The one map from codec errors to what the peer is told (§4.13).
    private func protocolViolation(_ error: MQTTCodecError) {
        broker.logger.info("protocol violation: \(error.reason)", metadata: ["reason": "\(error.reasonCode)"])
        if session == nil {
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

    /// `mqtt.idle_timeout`: how long a connection may stay without a CONNECT.
    private var idleTimeout: TimeAmount { .milliseconds(broker.config.idleTimeout.milliseconds) }

    /// The timeout in force: the CONNECT timeout before CONNECT, keep-alive × multiplier after
    /// (nil when the client asked for no keep-alive).
    private var currentTimeout: TimeAmount? { session == nil ? idleTimeout : keepAliveTimeout }

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

    /// tcp_options.send_timeout: the outbound buffer has been over tcp_options.high_watermark
    /// since now (the client stopped reading, or reads slower than it is sent to); if it still
    /// is when the timeout passes, the connection is closed, as EMQX closes a socket whose
    /// send blocked that long. Like the other timers, never cancelled: a later change of
    /// writability makes it stale.
    private func armSendTimeout(_ context: ChannelHandlerContext) {
        let generation = sendStallGeneration
        let handler = NIOLoopBound(WeakReference(self), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: listener.sendTimeout) {
            guard let handler = handler.value.object, handler.sendStallGeneration == generation, !handler.closed else { return }
            handler.sendTimedOut()
        }
    }

    private func sendTimedOut() {
        let who = session.map { "client \($0.clientID)" } ?? "a client"
        let line = "closing \(who) on \(listener.id): nothing could be sent for tcp_options.send_timeout; it stopped reading"
        if let line = listener.failureLine(line) {
            broker.logger.warning("\(line)", metadata: ["peer": "\(context?.remoteAddress?.logDescription ?? "?")"])
        }
        close(reason: nil)
    }

    private func timerFired() {
        timerDeadline = nil
        guard !closed, let timeout = currentTimeout else { return }
        if lastActivity + timeout > .now() {
            arm(in: timeout)
        } else if let session {
            broker.logger.info("keep-alive timeout", metadata: ["client": "\(session.clientID)"])
            close(reason: .keepAliveTimeout)
        } else {
            broker.logger.info("no CONNECT within mqtt.idle_timeout; closing")
            close(reason: nil)
        }
    }

    // MARK: MQTTConnection

    func send(_ packet: MQTTPacket) {
        guard !closed, let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        MQTTPacketEncoder.encode(packet, version: protocolVersion, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    func flush() {
        guard !closed else { return }
        context?.flush()
    }

    var isWritable: Bool { context?.channel.isWritable ?? true }

    func pauseReading() {
        try? context?.channel.syncOptions?.setOption(.autoRead, value: false)
    }

    func resumeReading() {
        guard !closed else { return }
        try? context?.channel.syncOptions?.setOption(.autoRead, value: true)
    }

    func close(reason: ReasonCode?) {
        guard !closed, let context else { return }
        // What this input batch routed to others must go out now: once this channel closes,
        // its channelReadComplete (where the batch is flushed) never comes.
        broker.flushPending()
        if let reason, protocolVersion.hasProperties, session != nil {
            send(.disconnect(DisconnectPacket(reasonCode: reason)))
        }
        context.flush()
        closed = true
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension MQTTConnectionHandler: Sendable {}
