public import BrokerTLS
public import ConfigModel
public import ConfigPreflight
import NIOCore
import NIOPosix

/// `emqxctl bench floor`: the least an MQTT-over-TLS endpoint on this stack can do for a
/// connection, to measure what `serve` adds above it. One event loop; each connection gets
/// the listener's TLS through the same `TLSHandler` as `serve`, and a handler that answers the
/// CONNECT with a fixed CONNACK (accepted) and closes when the client does.
///
/// No sessions, no broker, no authentication, no limits: not a broker. The broker CPU per
/// connection it takes (with `bench conn`) is SwiftNIO's channel, the TLS and the kernel's
/// TCP, the floor under `serve`'s cost on the same machine.
public struct FloorServer {
    private let tls: TLSContext?
    private let handshakeTimeout: TimeAmount

    /// The listener's TLS as `serve` builds it (`listener` nil: plain TCP).
    public init(listener: SSLOptions?, material: ListenerMaterial?, psk: (any PSKResolver)?) throws {
        if let listener, let material {
            tls = try TLSContext.server(listener, material: material, psk: psk)
            handshakeTimeout = .milliseconds(listener.handshakeTimeout.milliseconds)
        } else {
            tls = nil
            handshakeTimeout = .seconds(15)
        }
    }

    /// Binds and serves until the listener closes (the process is interrupted, as a rule);
    /// `ready` is called once bound.
    public func run(host: String, port: Int, ready: (Int) -> Void) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (tls, timeout) = (tls, handshakeTimeout)
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let handler = try TLSHandler(context: tls, role: .server(FloorObserver()), handshakeTimeout: timeout)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try channel.pipeline.syncOperations.addHandler(FloorConnectionHandler())
                }
            }
            .bind(host: host, port: port).wait()
        ready(channel.localAddress?.port ?? port)
        try channel.closeFuture.wait()
        try group.syncShutdownGracefully()
    }
}

/// Answers the first packet, taken to be CONNECT, with CONNACK 0 in its protocol's form, and
/// closes when the client sends DISCONNECT or closes.
private final class FloorConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard answered else {
            answered = true
            // Fixed header, remaining length (one byte for a bench CONNECT), protocol name
            // (2 + 4 bytes), then the protocol level: 5 adds an empty property length.
            let level = bytes.getInteger(at: bytes.readerIndex + 8, as: UInt8.self) ?? 4
            var connack = context.channel.allocator.buffer(capacity: 5)
            connack.writeBytes(level == 5 ? [0x20, 0x03, 0x00, 0x00, 0x00] : [0x20, 0x02, 0x00, 0x00])
            context.writeAndFlush(wrapOutboundOut(connack), promise: nil)
            return
        }
        if bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) == 0xE0 { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// Refusals and failures go unreported: a bench client that fails reports it itself.
private final class FloorObserver: TLSServerObserver {
    func handshakeCompleted() {}
    func refused(_ refusal: HandshakeRefusal, peer: SocketAddress?) {}
    func acceptedWithoutCRL(_ reason: String, peer: SocketAddress?) {}
    func failed(_ error: TLSError, peer: SocketAddress?) {}
}
