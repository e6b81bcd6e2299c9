public import BrokerTLS
public import ConfigModel
public import ConfigPreflight
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// `emqxctl bench handshake`: full TLS handshakes between a listener's server context and a
/// bench client in memory, one after another, with no sockets and no event loop.
///
/// The server's CPU per handshake is what the listener's TLS costs on its own: OpenSSL plus
/// the thin `TLSConnection` over it, as `serve` drives it. It is the floor under what `serve`
/// pays per connection; the kernel's TCP work and NIO's channel make up the rest.
public struct HandshakeBench {
    public struct Report: Sendable {
        public var handshakes = 0
        /// Thread CPU time each side spent, over all handshakes.
        public var serverSeconds = 0.0
        public var clientSeconds = 0.0
        /// Version and suite, `TLSv1.3 TLS_AES_256_GCM_SHA384`.
        public var negotiated = ""
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let serverContext: TLSContext
    private let clientContext: TLSContext
    private let serverName: String?

    /// The listener's TLS as `serve` builds it, from the files preflight read (`material`).
    /// With `psk`, the server takes the client's PSK identity and key, as `serve` would with
    /// that identity in its store.
    public init(listener: SSLOptions, material: ListenerMaterial, psk: Bool, client: TLSClientOptions) throws {
        let resolver = psk ? client.psk.map { OnePSK(identity: $0.identity, secret: $0.key) } : nil
        serverContext = try TLSContext.server(listener, material: material, psk: resolver)
        clientContext = try TLSContext.client(client)
        serverName = client.serverName
    }

    /// `count` handshakes, each session freed after its own.
    public func run(count: Int) throws -> Report {
        var report = Report()
        for _ in 0..<count {
            // Freeing the session is part of its cost: released here, explicitly.
            let server = Unmanaged.passRetained(try handshake(into: &report))
            let start = Self.threadCPUTime()
            server.release()
            report.serverSeconds += Self.threadCPUTime() - start
        }
        return report
    }

    /// One full handshake; returns the server's session, its buffers released as `serve`
    /// releases them.
    private func handshake(into report: inout Report) throws -> TLSConnection {
        let allocator = ByteBufferAllocator()
        var start = Self.threadCPUTime()
        let server = try TLSConnection(server: serverContext)
        report.serverSeconds += Self.threadCPUTime() - start
        start = Self.threadCPUTime()
        let client = try TLSConnection(client: clientContext, serverName: serverName)
        report.clientSeconds += Self.threadCPUTime() - start
        var serverDone = false
        var clientDone = false
        var rounds = 0
        while !(serverDone && clientDone) {
            rounds += 1
            guard rounds <= 8 else { throw Failure(description: "the handshake did not finish in 8 round trips") }
            start = Self.threadCPUTime()
            if !clientDone { clientDone = try Self.finished(client.handshake(), side: "client") }
            let hello = client.drainCiphertext(allocator: allocator)
            report.clientSeconds += Self.threadCPUTime() - start

            start = Self.threadCPUTime()
            if let hello { server.receive(hello) }
            if !serverDone {
                serverDone = try Self.finished(server.handshake(), side: "server")
                if serverDone { server.releaseHandshakeBuffers() }
            }
            let answer = server.drainCiphertext(allocator: allocator)
            report.serverSeconds += Self.threadCPUTime() - start

            if let answer { client.receive(answer) }
        }
        if report.negotiated.isEmpty { report.negotiated = server.negotiated }
        report.handshakes += 1
        return server
    }

    private static func finished(_ result: TLSConnection.Result, side: String) throws -> Bool {
        switch result {
        case .complete: return true
        case .incomplete: return false
        case .closed: throw Failure(description: "the \(side) closed the session during the handshake")
        case .failed(let error): throw Failure(description: "the \(side) failed the handshake: \(error)")
        }
    }

    private static func threadCPUTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The one identity the bench client offers.
private struct OnePSK: PSKResolver {
    let identity: [UInt8]
    let secret: [UInt8]

    func key(for identity: [UInt8]) -> [UInt8]? { identity == self.identity ? secret : nil }
    var count: Int { 1 }
}
