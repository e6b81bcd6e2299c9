import ConfigModel
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

extension ServerBootstrap {
    /// A listener's `tcp_options`, set on its listening socket. Linux gives every accepted
    /// socket the listening socket's buffer sizes, keep-alive and linger settings, so a
    /// connection costs no setsockopt for them. `send_timeout` and `high_watermark` are the
    /// connection handler's; `nolinger` is set once bound (`applyLinger`).
    func applying(_ tcp: TCPOptions) -> ServerBootstrap {
        var bootstrap = self.serverChannelOption(.backlog, value: Int32(clamping: tcp.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: tcp.reuseaddr ? 1 : 0)
            .serverChannelOption(.tcpOption(.tcp_nodelay), value: tcp.nodelay ? 1 : 0)
        if let recbuf = tcp.recbuf { bootstrap = bootstrap.serverChannelOption(.socketOption(.so_rcvbuf), value: recbuf) }
        if let sndbuf = tcp.sndbuf { bootstrap = bootstrap.serverChannelOption(.socketOption(.so_sndbuf), value: sndbuf) }
        if let probes = tcp.keepaliveProbes {
            bootstrap = bootstrap.serverChannelOption(.socketOption(.so_keepalive), value: 1)
                .serverChannelOption(.socket(SocketOptionLevel(IPPROTO_TCP), TCP_KEEPIDLE), value: probes.idle)
                .serverChannelOption(.socket(SocketOptionLevel(IPPROTO_TCP), TCP_KEEPINTVL), value: probes.interval)
                .serverChannelOption(.socket(SocketOptionLevel(IPPROTO_TCP), TCP_KEEPCNT), value: probes.count)
        }
        return bootstrap
    }
}

extension Channel {
    /// `nolinger`: closing a connection resets it (SO_LINGER with a zero timeout) instead of
    /// lingering to deliver what is unsent, as EMQX's `{linger, {true, 0}}`. Set on the
    /// listening socket, whose accepted sockets inherit it.
    func applyLinger(_ tcp: TCPOptions) throws {
        guard tcp.nolinger, let provider = self as? any SocketOptionProvider else { return }
        try provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).wait()
    }
}
