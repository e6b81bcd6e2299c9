import BrokerCore
import BrokerTLS
public import ConfigModel
import Foundation
import Logging
import NIOCore
import NIOPosix

/// `config check --probe` for HTTP authentication backends: one real request per enabled
/// http authenticator, over the same TLS client and pool serve uses, with a made-up client
/// (user name `emqxctl-probe`), so users see before they deploy whether the TLS settings
/// reach the backend and what it answers.
public struct AuthenticationProbe: Sendable {
    public init() {}

    public func run(_ config: BrokerConfig, paths: PathResolver = PathResolver()) -> [Diagnostic] {
        let chains = [config.authentication] + config.listeners.filter(\.enable).map(\.authentication)
        let backends = chains.flatMap { $0 }.filter(\.enable).compactMap {
            authenticator -> (AuthenticatorConfig, HTTPAuthenticatorConfig)? in
            if case .http(let http) = authenticator.backend, http.url != nil { return (authenticator, http) }
            return nil
        }
        guard !backends.isEmpty else { return [] }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        return backends.map { authenticator, http in probe(authenticator, http, paths: paths, loop: loop) }
    }

    private func probe(_ authenticator: AuthenticatorConfig, _ http: HTTPAuthenticatorConfig, paths: PathResolver, loop: any EventLoop)
        -> Diagnostic
    {
        let url = http.url!
        func diagnostic(_ severity: Diagnostic.Severity, _ message: String, hint: String = "") -> Diagnostic {
            Diagnostic(.probeAuthentication, severity, at: authenticator.location, keyPath: authenticator.keyPath, message, hint: hint)
        }
        let tls: TLSContextResult
        do {
            tls = .init(context: try http.ssl.flatMap { $0.enable ? try AuthenticationService.clientContext($0, paths: paths) : nil })
        } catch {
            return diagnostic(.error, "\(url): the ssl block cannot be used: \(error)")
        }
        var logger = Logger(label: "emqxctl.probe")
        logger.logLevel = .critical
        let backend = HTTPAuthenticator(config: http, url: url, tls: tls.context, eventLoop: loop, logger: logger)
        defer { backend.shutdown() }
        let credentials = ClientCredentials(
            clientID: "emqxctl-probe", username: "emqxctl-probe", password: Array("emqxctl-probe".utf8), peerHost: "127.0.0.1",
            peerPort: 0, listener: "tcp:default")
        let started = Date()
        let answer = (try? backend.authenticate(credentials, on: loop).wait()) ?? .unavailable(reason: "no answer")
        let milliseconds = Int(Date().timeIntervalSince(started) * 1000)
        let over =
            url.isTLS
            ? "over TLS (the handshake passed \(http.ssl?.verify == .verifyPeer ? "verify_peer" : "without verifying the server"))"
            : "in plain text"
        switch answer {
        case .unavailable(let reason):
            return diagnostic(
                .error, "\(url) could not be asked: \(reason)",
                hint: "serve would answer every client it has to ask with server unavailable")
        case .allow, .deny, .ignore:
            return diagnostic(
                .note, "\(url) answered a made-up client (emqxctl-probe) \(over) in \(milliseconds) ms: \(Self.describe(answer))")
        }
    }

    private struct TLSContextResult {
        let context: TLSContext?
    }

    private static func describe(_ answer: AuthenticatorAnswer) -> String {
        switch answer {
        case .allow(let superuser, _): superuser ? "allow, as a superuser" : "allow"
        case .deny: "deny"
        case .ignore: "ignore (or not a 200/204 answer)"
        case .unavailable(let reason): reason
        }
    }
}
