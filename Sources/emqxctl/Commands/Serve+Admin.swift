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
        _ model: BrokerConfig, material: ListenerMaterial?, server: BrokerServer, watcher: FileWatcher?,
        environment: [String: String], logger: Logger
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
                    promise.succeed(command.reload(server, environment: environment, logger: logger, enforce: enforce, watcher: watcher))
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

extension EmqxCtl.Serve {
    /// Starts the file watcher (unless --no-watch): a settled change reloads, as SIGHUP does.
    func watch(
        _ model: BrokerConfig, configFiles: [String], paths: PathResolver, server: BrokerServer, environment: [String: String],
        logger: Logger
    ) -> FileWatcher? {
        guard !noWatch else { return nil }
        let command = self
        let files = Self.watched(model, configFiles: configFiles, paths: paths)
        let watcher = FileWatcher(paths: files, queue: Self.reloads) { watcher, changed in
            logger.notice("files changed, reloading: \(changed.joined(separator: ", "))")
            _ = command.reload(server, environment: environment, logger: logger, watcher: watcher)
        }
        watcher.start()
        logger.info("watching \(files.count) files for changes")
        return watcher
    }
}
