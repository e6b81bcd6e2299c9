package import BrokerCore
package import NIOCore

/// One authenticator of a chain: answers a CONNECT's credentials without blocking the event
/// loop it is given (a backend that needs I/O or a slow hash completes the future later).
/// Never fails the future: an error is `.unavailable` (counts as ignore) or `.ignore`.
package protocol Authenticator: Sendable {
    /// EMQX's id, `password_based:http`, for log lines.
    var id: String { get }
    func authenticate(_ credentials: ClientCredentials, on eventLoop: any EventLoop) -> EventLoopFuture<AuthenticatorAnswer>
    /// Releases connections and timers.
    func shutdown()
}
