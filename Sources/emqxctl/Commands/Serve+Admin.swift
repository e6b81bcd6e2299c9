import BrokerRuntime
import BrokerTLS
import ConfigModel
import ConfigPreflight
import Dispatch
import Logging
import NIOCore
import Operations

extension EmqxCtl.Serve {
    /// Starts the admin endpoint when the config has a dashboard listener: its token is
    /// created first (0600) if there is none. Reloads it asks for run on `reloads`.
    func startAdmin(
        _ model: BrokerConfig, material: ListenerMaterial?, server: BrokerServer, environment: [String: String], logger: Logger
    ) throws -> AdminServer? {
        let dashboard = model.dashboard
        guard !dashboard.listeners.isEmpty else { return nil }
        let token = try AdminToken.loadOrCreate(path: adminToken)
        let command = self
        let routes = AdminRoutes(
            token: token, snapshot: { server.snapshot() },
            reload: { enforce in
                let promise = server.eventLoop.makePromise(of: ReloadOutcome.self)
                Self.reloads.async {
                    promise.succeed(command.reload(server, environment: environment, logger: logger, enforce: enforce))
                }
                return promise.futureResult
            })
        let admin = AdminServer(routes: routes, logger: logger)
        do {
            if let http = dashboard.http { _ = try admin.start(http, tls: nil) }
            if let https = dashboard.https, let ssl = https.sslOptions {
                guard let material else { throw AdminStartError(description: "\(https.keyPath): no certificate and key from preflight") }
                _ = try admin.start(https, tls: try TLSContext.server(ssl, material: material))
            }
        } catch {
            admin.shutdown()
            throw error
        }
        return admin
    }
}

struct AdminStartError: Error, CustomStringConvertible {
    let description: String
}
