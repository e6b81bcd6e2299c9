package import BrokerCore
import CertTools
package import ConfigModel
package import NIOCore
package import NIOPosix
import Stores

/// `backend = built_in_database` (EMQX's emqx_authn_mnesia): users from the store, checked
/// with the configured hash. Costly hashes (bcrypt, pbkdf2 with many iterations) run on a
/// thread pool, so the event loop keeps serving other clients meanwhile.
package struct BuiltInDatabaseAuthenticator: Authenticator {
    package let id = "password_based:built_in_database"
    private let directory: UserDirectory
    private let userIDType: UserIDType
    private let hash: PasswordHash
    private let threadPool: NIOThreadPool

    package init(config: BuiltInDatabaseConfig, directory: UserDirectory, threadPool: NIOThreadPool) {
        self.directory = directory
        self.userIDType = config.userIDType
        self.hash = PasswordHash(config.passwordHash)
        self.threadPool = threadPool
    }

    /// EMQX's order (§4.2): an Authentication Method is not ours; no password is refused before
    /// the lookup (its Q3, kept for compatibility); an unknown user is ignored.
    package func authenticate(_ credentials: ClientCredentials, on eventLoop: any EventLoop) -> EventLoopFuture<AuthenticatorAnswer> {
        if credentials.hasAuthenticationMethod { return eventLoop.makeSucceededFuture(.ignore) }
        guard let password = credentials.password else { return eventLoop.makeSucceededFuture(.deny(.badUserNameOrPassword)) }
        let userID = userIDType == .username ? credentials.username ?? "" : credentials.clientID
        guard let user = directory.user(userID) else { return eventLoop.makeSucceededFuture(.ignore) }
        let hash = self.hash
        let check: @Sendable () -> AuthenticatorAnswer = {
            hash.verify(password, hash: user.passwordHash, salt: Array(user.salt.utf8))
                ? .allow(isSuperuser: user.isSuperuser) : .deny(.badUserNameOrPassword)
        }
        guard hash.isCostly else { return eventLoop.makeSucceededFuture(check()) }
        return threadPool.runIfActive(eventLoop: eventLoop, check).recover { error in .unavailable(reason: "\(error)") }
    }

    package func shutdown() { directory.stop() }
}
