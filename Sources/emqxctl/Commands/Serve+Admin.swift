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
    /// created first (0600) if there is none. Reloads it asks for go to `reloader`.
    func startAdmin(_ model: BrokerConfig, material: ListenerMaterial?, server: BrokerServer, reloader: ServeReloader, logger: Logger)
        throws -> AdminServer?
    {
        let dashboard = model.dashboard
        guard !dashboard.listeners.isEmpty else { return nil }
        let token = try AdminToken.loadOrCreate(path: adminToken)
        let routes = AdminRoutes(
            token: token, snapshot: { server.snapshot() }, reload: { enforce in reloader.reload(enforce: enforce, on: server.eventLoop) })
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

    /// Starts the file watcher (unless --no-watch): a settled change reloads, as SIGHUP does.
    func watch(_ model: BrokerConfig, configFiles: [String], paths: PathResolver, reloader: ServeReloader, logger: Logger) -> FileWatcher? {
        guard !noWatch else { return nil }
        let files = Self.watched(model, configFiles: configFiles, paths: paths)
        let watcher = FileWatcher(paths: files, queue: ServeReloader.queue) { _, changed in
            logger.notice("files changed, reloading: \(changed.joined(separator: ", "))")
            _ = reloader.reload()
        }
        watcher.start()
        logger.info("watching \(files.count) files for changes")
        return watcher
    }
}

struct AdminStartError: Error, CustomStringConvertible {
    let description: String
}
