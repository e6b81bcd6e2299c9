package import BrokerCore
package import BrokerTLS
package import CertTools
package import ConfigModel
import Foundation
package import Logging
package import NIOCore
package import NIOPosix
package import Stores

/// The authentication chains of a config, running: the global one (`authentication`) and
/// each listener's own, and the decision over one CONNECT.
///
/// Chain selection is EMQX's (§2.2) — a listener with a chain uses it instead of the global
/// one — except its Q2: a listener chain whose authenticators are all disabled falls back to
/// the global chain instead of letting everyone in.
package final class AuthenticationService: Sendable {
    private let global: [any Authenticator]
    private let byListener: [String: [any Authenticator]]
    private let directories: [UserDirectory]

    /// No chain at all: everyone is let in.
    package static let empty = AuthenticationService(global: [], byListener: [:], directories: [])

    private init(global: [any Authenticator], byListener: [String: [any Authenticator]], directories: [UserDirectory]) {
        self.global = global
        self.byListener = byListener
        self.directories = directories
    }

    /// Opens the user database (`userDatabase`) when a chain has a built_in_database
    /// authenticator, imports its bootstrap_file, and builds each http authenticator's TLS
    /// client context. Throws what would stop start-up.
    package init(
        config: BrokerConfig, userDatabase: String, paths: PathResolver, eventLoop: any EventLoop, threadPool: NIOThreadPool, logger: Logger
    ) throws {
        var directories: [UserDirectory] = []
        func build(_ chain: [AuthenticatorConfig], group: String) throws -> [any Authenticator] {
            try chain.filter(\.enable).map { authenticator -> any Authenticator in
                switch authenticator.backend {
                case .builtInDatabase(let database):
                    let store = try UserStore.open(path: userDatabase, create: true)
                    if let file = database.bootstrapFile {
                        try Self.bootstrap(file.value, config: database, store: store, group: group, logger: logger)
                    }
                    let directory = try UserDirectory(store: store, group: group, logger: logger)
                    directories.append(directory)
                    logger.info("\(group): built_in_database with \(directory.count) users from \(userDatabase)")
                    return BuiltInDatabaseAuthenticator(config: database, directory: directory, threadPool: threadPool)
                case .http(let http):
                    guard let url = http.url else { throw AuthenticationSetupError("\(authenticator.keyPath): no valid url") }
                    let tls = try http.ssl.flatMap { $0.enable ? try Self.clientContext($0, paths: paths) : nil }
                    return HTTPAuthenticator(config: http, url: url, tls: tls, eventLoop: eventLoop, logger: logger)
                }
            }
        }
        global = try build(config.authentication, group: UserStore.globalGroup)
        var byListener: [String: [any Authenticator]] = [:]
        for listener in config.servedListeners where listener.authentication.contains(where: \.enable) {
            byListener[listener.id] = try build(listener.authentication, group: listener.id)
        }
        self.byListener = byListener
        self.directories = directories
    }

    /// The enabled authenticators a listener's clients go through.
    package func chain(for listenerID: String) -> [any Authenticator] { byListener[listenerID] ?? global }

    /// Whether any chain has an authenticator (else every client is let in, as in EMQX).
    package var isEmpty: Bool { global.isEmpty && byListener.isEmpty }

    /// Runs `credentials` through the listener's chain; completes on `eventLoop` with the final
    /// step (`.allowed` or `.refused`).
    package func decide(
        _ credentials: ClientCredentials, mode: AuthenticationMode, on eventLoop: any EventLoop
    ) -> EventLoopFuture<AuthenticationChain.Step> {
        let chain = self.chain(for: credentials.listener)
        let (decision, first) = AuthenticationChain.start(authenticators: chain.count, mode: mode, username: credentials.username)
        return Self.advance(decision, first, chain: chain, credentials: credentials, on: eventLoop)
    }

    private static func advance(
        _ decision: AuthenticationChain, _ step: AuthenticationChain.Step, chain: [any Authenticator], credentials: ClientCredentials,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<AuthenticationChain.Step> {
        guard case .ask(let index) = step else { return eventLoop.makeSucceededFuture(step) }
        return chain[index].authenticate(credentials, on: eventLoop).flatMap { answer in
            var decision = decision
            let next = decision.record(answer)
            return advance(decision, next, chain: chain, credentials: credentials, on: eventLoop)
        }
    }

    package func startRefreshing() { directories.forEach { $0.startRefreshing() } }

    package func shutdown() {
        for authenticator in global + byListener.values.flatMap({ $0 }) { authenticator.shutdown() }
    }

    /// The client context of an http authenticator's `ssl` block.
    package static func clientContext(_ ssl: SSLClientConfig, paths: PathResolver) throws -> TLSContext {
        var options = TLSClientOptions()
        if ssl.verify == .verifyPeer { options.caFile = ssl.cacertfile.map { paths.absolute($0.value) } }
        options.certFile = ssl.certfile.map { paths.absolute($0.value) }
        options.keyFile = ssl.keyfile.map { paths.absolute($0.value) }
        options.keyPassword = try ssl.password.map { try $0.value.text(paths: paths) }
        options.versions = ssl.versions.value
        options.ciphers = ssl.ciphers.value
        options.verifyDepth = ssl.depth
        return try TLSContext.client(options)
    }

    /// EMQX's bootstrap (§4.4): users of the file that are not there yet are added; ones there
    /// with another record are left as they are (a warning). A missing file is a warning.
    private static func bootstrap(_ file: String, config: BuiltInDatabaseConfig, store: UserStore, group: String, logger: Logger) throws {
        guard FileManager.default.fileExists(atPath: file) else {
            logger.warning("bootstrap_file \(file) does not exist; no users imported")
            return
        }
        let rows = try UserImportFile.read(file, kind: config.bootstrapType == .plain ? .plain : .hash)
        let hash = PasswordHash(config.passwordHash)
        let users = rows.map { row in StoredUser(row, hash: hash, existing: try? store.user(row.userID, group: group)) }
        let report = try store.importUsers(users, group: group, override: false)
        if report.skipped > 0 {
            logger.warning("bootstrap_file \(file): \(report.skipped) users already exist with another password; kept")
        }
        logger.info("bootstrap_file \(file) -> \(group): \(report.added) added, \(report.unchanged) unchanged")
    }
}

extension StoredUser {
    /// A row of a user file as stored: a plain password hashed with `hash` and a fresh salt,
    /// unless `existing` already holds that password (then its record is kept as it is, so a
    /// file imported twice changes nothing).
    package init(_ row: UserImportRow, hash: PasswordHash, existing: StoredUser?) {
        switch row.credential {
        case .password(let password):
            if let existing, existing.isSuperuser == row.isSuperuser,
                hash.verify(Array(password.utf8), hash: existing.passwordHash, salt: Array(existing.salt.utf8))
            {
                self = existing
                return
            }
            let record = hash.record(for: Array(password.utf8))
            self.init(userID: row.userID, passwordHash: record.hash, salt: record.salt, isSuperuser: row.isSuperuser)
        case .hashed(let passwordHash, let salt):
            self.init(userID: row.userID, passwordHash: passwordHash, salt: salt, isSuperuser: row.isSuperuser)
        }
    }
}

/// Why authentication could not be set up.
package struct AuthenticationSetupError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
