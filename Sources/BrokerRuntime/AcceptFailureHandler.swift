import BrokerCore
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// On a listening socket: when accepting fails, stops accepting for a second and says why,
/// once a second at most. Out of file descriptors (EMFILE, ENFILE) the pending connection
/// stays in the backlog and its socket stays readable, so a listener that went on reading
/// would spin. (NIO's `AcceptBackoffHandler` only delays the next read request; the failed one
/// stays registered, and the loop spins: autoRead off is what takes the socket out of epoll.)
final class AcceptFailureHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel

    private let listenerID: String
    private let logger: Logger
    private var limiter = LogRateLimiter(burst: 1, window: .seconds(1))

    init(listenerID: String, logger: Logger) {
        self.listenerID = listenerID
        self.logger = logger
    }

    /// How long a listener waits before accepting again.
    static let backoff = TimeAmount.seconds(1)
    private var backingOff = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !backingOff, let options = context.channel.syncOptions {
            backingOff = true
            try? options.setOption(.autoRead, value: false)
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let channel = NIOLoopBound(context.channel, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: Self.backoff) {
                handler.value.backingOff = false
                try? channel.value.syncOptions?.setOption(.autoRead, value: true)
            }
        }
        guard let dropped = limiter.admit(at: context.eventLoop.now) else { return }
        let line = LogRateLimiter.annotate("\(listenerID) cannot accept connections: \(Self.explain(error))", dropped: dropped)
        logger.error("\(line)")
    }

    /// The failure in words, with what to raise for the file descriptor limits.
    static func explain(_ error: any Error) -> String {
        guard let io = error as? IOError else { return "\(error)" }
        switch io.errnoCode {
        case EMFILE:
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            return "the process has all its \(limit.rlim_cur) file descriptors open (EMFILE); "
                + "raise the limit (ulimit -n, or LimitNOFILE= for systemd) or lower max_connections; retrying in 1 s"
        case ENFILE:
            return "the system has no file descriptors left (ENFILE); raise fs.file-max; retrying in 1 s"
        default:
            return "\(String(cString: strerror(io.errnoCode))) (errno \(io.errnoCode)); retrying in 1 s"
        }
    }
}

@available(*, unavailable)
extension AcceptFailureHandler: Sendable {}
