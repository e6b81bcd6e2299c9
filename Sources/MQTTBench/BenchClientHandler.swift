import Foundation
import MQTTCore
import NIOCore

/// One load-generator client. Publishers send as fast as the window (QoS 1/2) or the socket
/// (QoS 0) allows, or at the configured rate; subscribers count, acknowledge and time what
/// arrives. Payloads start with the send time (monotonic nanoseconds, shared by processes on
/// one machine), so subscribers in another process can measure end-to-end latency.
final class BenchClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let index: Int
    private let state: BenchState
    private var inbound: MQTTInboundStream
    private var context: ChannelHandlerContext?
    private var inflight = 0
    private var connected = false
    private var failed = false
    private var topic: String
    private var padding: [UInt8]

    init(index: Int, state: BenchState) {
        self.index = index
        self.state = state
        self.inbound = MQTTInboundStream(
            parser: MQTTPacketParser(limits: MQTTDecoderLimits(maximumPacketSize: 1 << 24), version: state.options.version))
        self.topic = state.options.topic.replacingOccurrences(of: "%i", with: String(index))
        self.padding = [UInt8](repeating: 0x61, count: max(0, state.options.payloadSize - 8))
    }

    /// Added after a WebSocket upgrade, to a connection that is already active.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard self.context == nil else { return }
        self.context = context
        state.channels.append(context.channel)
        let mode = state.options.mode.rawValue
        var connect = ConnectPacket(
            protocolVersion: state.options.version, clientIdentifier: "bench-\(mode)-\(getpid())-\(index)", keepAlive: 300)
        connect.username = state.options.username
        connect.password = state.options.password
        if let expiry = state.options.sessionExpiry {
            connect.cleanStart = false
            if state.options.version.hasProperties { connect.properties.sessionExpiryInterval = expiry }
        }
        send(.connect(connect))
        context.flush()
        // Every client ends by the deadline (plus a grace second), whatever the broker does.
        let channel = context.channel
        context.eventLoop.scheduleTask(deadline: state.deadline + .seconds(2)) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbound.append(unwrapInboundIn(data))
        while let packet = try? inbound.next() { handle(packet, context: context) }
    }

    /// One flush a read burst, not one a read: over WebSocket each frame is a read, and a
    /// flush each would send each PUBACK in a record and segment of its own.
    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pump() }
    }

    /// A failure before CONNACK (a refused TLS handshake, say) counts as a failed connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !connected && !failed {
            state.report.fail(BenchFailure.describe(error))
            failed = true
        }
        context.close(promise: nil)
    }

    /// Closed before CONNACK with no error (a plaintext client on a TLS port, say): a failure too.
    func channelInactive(context: ChannelHandlerContext) {
        if !connected && !failed && !state.stopping {
            state.report.fail("the broker closed the connection before CONNACK (TLS port without --cafile/--psk, or refused?)")
            failed = true
        }
        context.fireChannelInactive()
    }

    private func handle(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        switch packet {
        case .connack(let connack):
            guard connack.reasonCode == .success else {
                state.report.fail("CONNACK \(connack.reasonCode)")
                failed = true
                return context.close(promise: nil)
            }
            connected = true
            state.report.connected += 1
            switch state.options.mode {
            case .connect:
                send(.disconnect(DisconnectPacket()))
                context.flush()
                context.close(promise: nil)
            case .subscribe:
                send(.subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [.init(topicFilter: topic, qos: state.options.qos)])))
            case .publish:
                if state.options.rate > 0 { schedulePaced() } else { pump() }
            }
        case .puback, .pubcomp:
            inflight -= 1
            state.report.acknowledged += 1
            if state.options.rate == 0 { pump() }
        case .pubrec(let ack):
            send(.pubrel(PubAckPacket(packetIdentifier: ack.packetIdentifier)))
        case .publish(let publish):
            state.report.received += 1
            let now = NIODeadline.now()
            if state.report.firstReceived == nil { state.report.firstReceived = now }
            state.report.lastReceived = now
            if state.report.latencies.count < BenchState.maximumSamples,
                let sent = publish.payload.getInteger(at: publish.payload.readerIndex, as: UInt64.self)
            {
                let now = UInt64(NIODeadline.now().uptimeNanoseconds)
                if now >= sent { state.report.latencies.append(Int64(now - sent)) }
            }
            switch publish.qos {
            case .atMostOnce: break
            case .atLeastOnce: send(.puback(PubAckPacket(packetIdentifier: publish.packetIdentifier!)))
            case .exactlyOnce: send(.pubrec(PubAckPacket(packetIdentifier: publish.packetIdentifier!)))
            }
        case .pubrel(let ack):
            send(.pubcomp(PubAckPacket(packetIdentifier: ack.packetIdentifier)))
        default:
            break
        }
    }

    /// Sends while the window, the socket and the clock allow.
    private func pump() {
        guard let context, connected else { return }
        var sent = 0
        while !state.stopping, NIODeadline.now() < state.deadline, context.channel.isWritable, sent < 256 {
            if state.options.qos != .atMostOnce && inflight >= state.options.window { break }
            publishOne()
            sent += 1
        }
        context.flush()
        if sent == 256 && state.options.qos == .atMostOnce {
            // Yield to reads and other clients, then carry on.
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute { bound.value.pump() }
        }
    }

    /// Sends `rate` messages a second in small, evenly spaced bursts (one a millisecond at
    /// 1,000/s and above), so the window is not the limit and latency is not queueing.
    private func schedulePaced() {
        guard let context else { return }
        let rate = state.options.rate
        let interval = max(1_000_000, 1_000_000_000 / Int64(rate))
        let perTick = max(1, Int(Int64(rate) * interval / 1_000_000_000))
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .nanoseconds(interval)) { task in
            let handler = bound.value
            guard !handler.state.stopping, NIODeadline.now() < handler.state.deadline else { return task.cancel() }
            for _ in 0..<perTick where handler.state.options.qos == .atMostOnce || handler.inflight < handler.state.options.window {
                handler.publishOne()
            }
            handler.context?.flush()
        }
    }

    private func publishOne() {
        var payload = context!.channel.allocator.buffer(capacity: 8 + padding.count)
        payload.writeInteger(UInt64(NIODeadline.now().uptimeNanoseconds))
        payload.writeBytes(padding)
        var id: UInt16?
        if state.options.qos != .atMostOnce {
            id = UInt16(truncatingIfNeeded: state.report.published % 65535 + 1)
            inflight += 1
        }
        send(.publish(PublishPacket(topicName: topic, payload: payload, qos: state.options.qos, packetIdentifier: id)))
        state.report.published += 1
    }

    private func send(_ packet: MQTTPacket) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 32)
        MQTTPacketEncoder.encode(packet, version: state.options.version, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }
}

@available(*, unavailable)
extension BenchClientHandler: Sendable {}
