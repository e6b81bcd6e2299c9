import CertTools
import ConfigModel
import ConfigPreflight
import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import BrokerTLS

/// `TLSHandler` in process: a server and a client handler on two embedded channels, their
/// ciphertext carried between them by the test. Real OpenSSL handshakes, no sockets, no sleeps.
@Suite struct TLSHandlerTests {
    /// A `cert gen` PKI, in memory.
    static let pki: [String: [UInt8]] = {
        let files = try! PKIBlueprint().build()
        return Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.contents) })
    }()

    static func certificates(_ name: String) throws -> [Certificate] {
        try CryptoFile.parse(bytes: pki[name]!, path: name).certificates
    }

    static func key(_ name: String) throws -> PrivateKey {
        try CryptoFile.parse(bytes: pki[name]!, path: name).privateKeys[0]
    }

    /// The server's context for `ssl_options` written as HOCON.
    static func server(_ sslOptions: String = "") throws -> TLSContext {
        let text = "listeners.ssl.default.ssl_options { \(sslOptions) }\n"
        let options = try #require(
            ConfigLoader(environment: [:]).load(text: text, path: "t.conf").config?.listener("ssl:default")?.sslOptions)
        let material = ListenerMaterial(
            chain: try certificates("cert.pem"), privateKey: try key("key.pem"), authorities: try certificates("cacert.pem"))
        return try TLSContext.server(options, material: material)
    }

    static func client(certificate: Bool = false) throws -> TLSContext {
        var options = TLSClientOptions()
        options.caFile = nil
        if certificate {
            // The client context reads files, as mosquitto_pub does.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tls-handler-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for name in ["client-cert.pem", "client-key.pem"] {
                try Data(pki[name]!).write(to: folder.appendingPathComponent(name))
            }
            options.certFile = folder.appendingPathComponent("client-cert.pem").path
            options.keyFile = folder.appendingPathComponent("client-key.pem").path
        }
        return try TLSContext.client(options)
    }

    /// What the server's listener is told.
    final class Observer: TLSServerObserver {
        var handshakes = 0
        var refusals: [String] = []
        var failures: [TLSError] = []
        func handshakeCompleted() { handshakes += 1 }
        func refused(_ refusal: HandshakeRefusal, peer: SocketAddress?) { refusals.append(refusal.description) }
        func acceptedWithoutCRL(_ reason: String, peer: SocketAddress?) {}
        func failed(_ error: TLSError, peer: SocketAddress?) { failures.append(error) }
    }

    /// Keeps what arrives as plaintext, and the errors passed up.
    final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var received = ""
        var errors: [any Error] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { received += String(buffer: unwrapInboundIn(data)) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { errors.append(error) }
    }

    /// Stops a half-close below TLS (an embedded channel would close entirely), noting it.
    final class HalfCloseRecorder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var modes: [CloseMode] = []
        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            modes.append(mode)
            if mode == .output { promise?.succeed() } else { context.close(mode: mode, promise: promise) }
        }
    }

    struct Pair {
        let server = EmbeddedChannel()
        let client = EmbeddedChannel()
        let observer = Observer()
        let serverSide = Collector()
        let clientSide = Collector()
        let recorder = HalfCloseRecorder()

        init(server serverContext: TLSContext, client clientContext: TLSContext) throws {
            try server.pipeline.syncOperations.addHandlers(
                TLSHandler(context: serverContext, role: .server(observer), handshakeTimeout: .seconds(15)), serverSide)
            try client.pipeline.syncOperations.addHandlers(
                recorder, TLSHandler(context: clientContext, role: .client, handshakeTimeout: .seconds(15), serverName: nil), clientSide)
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: 8883)
            try server.connect(to: address).wait()
            try client.connect(to: address).wait()
        }

        /// Carries ciphertext both ways until neither side has anything more to say.
        func exchange() throws {
            var moved = true
            while moved {
                moved = false
                while let bytes = try client.readOutbound(as: ByteBuffer.self), server.isActive {
                    _ = try? server.writeInbound(bytes)
                    moved = true
                }
                while let bytes = try server.readOutbound(as: ByteBuffer.self), client.isActive {
                    _ = try? client.writeInbound(bytes)
                    moved = true
                }
            }
        }
    }

    @Test func writesMadeDuringTheHandshakeAreHeldThenSent() throws {
        let pair = try Pair(server: Self.server(), client: Self.client())
        let written = pair.client.writeAndFlush(ByteBuffer(string: "early"))
        try pair.exchange()
        try written.wait()
        #expect(pair.serverSide.received == "early")
        #expect(pair.observer.handshakes == 1)
        pair.server.writeAndFlush(ByteBuffer(string: "reply"), promise: nil)
        try pair.exchange()
        #expect(pair.clientSide.received == "reply")
    }

    @Test func heldWritesFailWhenTheChannelClosesDuringTheHandshake() throws {
        let pair = try Pair(server: Self.server(), client: Self.client())
        let written = pair.client.writeAndFlush(ByteBuffer(string: "never"))
        _ = try pair.client.close().wait()
        #expect(throws: ChannelError.ioOnClosedChannel) { try written.wait() }
        #expect(pair.recorder.modes == [.all])
    }

    @Test func heldWritesFailWhenTheHandlerIsRemoved() throws {
        let pair = try Pair(server: Self.server(), client: Self.client())
        let written = pair.client.writeAndFlush(ByteBuffer(string: "never"))
        let handler = try pair.client.pipeline.syncOperations.handler(type: TLSHandler.self)
        try pair.client.pipeline.syncOperations.removeHandler(handler).wait()
        #expect(throws: ChannelError.ioOnClosedChannel) { try written.wait() }
    }

    /// verify_peer with fail_if_no_peer_cert: a client without a certificate gets the alert,
    /// the server's listener is told why in words, and the client's error carries the code.
    @Test func aRefusedHandshakeAlertsTheClientAndTellsTheListener() throws {
        let server = try Self.server("verify = verify_peer, fail_if_no_peer_cert = true")
        let pair = try Pair(server: server, client: Self.client())
        try pair.exchange()
        #expect(pair.observer.handshakes == 0)
        #expect(pair.observer.refusals == ["the client sent no certificate, and fail_if_no_peer_cert requires one"])
        let error = try #require(pair.clientSide.errors.first as? TLSError)
        #expect(error.code == .peerCertificateMissing, "\(error)")
        #expect(!pair.server.isActive)

        let accepted = try Pair(server: server, client: Self.client(certificate: true))
        accepted.client.writeAndFlush(ByteBuffer(string: "with a certificate"), promise: nil)
        try accepted.exchange()
        #expect(accepted.serverSide.received == "with a certificate")
    }

    /// close(mode: .output) sends close_notify and half-closes: writes fail from then on, and
    /// what the peer still sends is read.
    @Test func closingOutputIsAHalfClose() throws {
        let pair = try Pair(server: Self.server(), client: Self.client())
        try pair.exchange()
        let closed = pair.client.close(mode: .output)
        try closed.wait()
        #expect(pair.recorder.modes == [.output])
        #expect(throws: ChannelError.outputClosed) { try pair.client.writeAndFlush(ByteBuffer(string: "late")).wait() }
        pair.server.writeAndFlush(ByteBuffer(string: "last words"), promise: nil)
        try pair.exchange()
        #expect(pair.clientSide.received == "last words")
        #expect(!pair.server.isActive, "the server closes once it reads close_notify")
    }

    @Test func aPlaintextClientIsNamedAsSuch() throws {
        let server = EmbeddedChannel()
        let observer = Observer()
        try server.pipeline.syncOperations.addHandler(
            TLSHandler(context: Self.server(), role: .server(observer), handshakeTimeout: .seconds(15)))
        try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        _ = try? server.writeInbound(
            ByteBuffer(bytes: [0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]))
        #expect(observer.refusals.first?.hasPrefix("a plaintext MQTT client connected to a TLS port") == true)
    }

    @Test func theHandshakeTimeoutClosesASilentClient() throws {
        let loop = EmbeddedEventLoop()
        let server = EmbeddedChannel(loop: loop)
        let observer = Observer()
        try server.pipeline.syncOperations.addHandler(
            TLSHandler(context: Self.server(), role: .server(observer), handshakeTimeout: .seconds(15)))
        try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        loop.advanceTime(by: .seconds(14))
        #expect(server.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!server.isActive)
        #expect(observer.refusals == ["no TLS handshake within ssl_options.handshake_timeout (the client sent nothing)"])
    }
}
