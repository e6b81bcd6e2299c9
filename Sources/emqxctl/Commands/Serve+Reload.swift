import BrokerRuntime
import BrokerTLS
import ConfigModel
import ConfigPreflight
import Dispatch
import Foundation
import Logging
import NIOCore
import Operations

/// Runs serve's reloads, whoever asks (SIGHUP, the admin endpoint, the file watcher), one at
/// a time in the order asked, on `queue`.
///
/// A reload re-reads the config and every file it names, runs the preflight serve ran at
/// start, and applies the result only if it has no errors (nothing changes otherwise, and the
/// log and the outcome list why). Connected clients are never dropped, except, with
/// `enforce`, those the new trust settings refuse (always named). The admin endpoint's https
/// certificate is renewed with the listeners'; a changed dashboard bind waits for a restart.
final class ServeReloader: @unchecked Sendable {
    static let queue = DispatchQueue(label: "emqxctl.reloads")

    private let command: EmqxCtl.Serve
    private let server: BrokerServer
    private let environment: [String: String]
    private let logger: Logger
    // Set at start-up, on `queue`; read there.
    var watcher: FileWatcher?
    var admin: AdminServer?
    var dashboard: DashboardConfig
    /// The authentication blocks serve started with: the chains are built once, so a reload
    /// that changes them says they wait for a restart.
    private let authentication: [HOCONValue?]

    init(command: EmqxCtl.Serve, server: BrokerServer, started: ConfigLoadResult, environment: [String: String], logger: Logger) {
        self.command = command
        self.server = server
        self.dashboard = started.config?.dashboard ?? DashboardConfig()
        self.authentication = Self.authenticationBlocks(started.tree)
        self.environment = environment
        self.logger = logger
    }

    /// A reload on `queue`, its outcome on `loop`.
    func reload(enforce: Bool, on loop: any EventLoop) -> EventLoopFuture<ReloadOutcome> {
        let promise = loop.makePromise(of: ReloadOutcome.self)
        Self.queue.async { promise.succeed(self.reload(enforce: enforce)) }
        return promise.futureResult
    }

    /// One reload; call on `queue`.
    func reload(enforce: Bool = false) -> ReloadOutcome {
        dispatchPrecondition(condition: .onQueue(Self.queue))
        let started = DispatchTime.now()
        func milliseconds() -> Int { Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000) }
        let (loaded, read) = command.load(environment: environment)
        let checks = command.preflight(environment: environment)
        // Whatever the outcome, the files as they are now are the watcher's new baseline.
        defer { watcher?.watch(EmqxCtl.Serve.watched(loaded.config, configFiles: read, paths: checks.paths)) }
        let preflight = loaded.hasSyntaxErrors ? nil : loaded.config.map { checks.check($0) }
        let errors = (loaded.diagnostics + (preflight?.diagnostics ?? [])).filter { $0.severity == .error }
        guard let model = loaded.config, let preflight, errors.isEmpty else {
            let lines = errors.map { DiagnosticRenderer.render([$0]).trimmingCharacters(in: .whitespacesAndNewlines) }
            logger.error("reload refused, nothing changed: \(DiagnosticRenderer.summary(errors))")
            for line in lines { logger.error("\(line)") }
            return ReloadOutcome(result: .refused, errors: lines)
        }
        do {
            let report = try server.reload(model, material: preflight.material, enforce: enforce)
            var outcome = ReloadOutcome(result: .applied, applied: report.applied, needsRestart: report.needsRestart)
            try reloadDashboard(model.dashboard, material: preflight.dashboard, into: &outcome)
            let blocks = Self.authenticationBlocks(loaded.tree)
            let same =
                blocks.count == authentication.count
                && zip(blocks, authentication).allSatisfy { new, old in
                    switch (new, old) {
                    case (nil, nil): true
                    case (let new?, let old?): new.hasSameContent(as: old)
                    default: false
                    }
                }
            if !same { outcome.needsRestart.append("authentication (the chains are built at start)") }
            logger.notice("reload applied in \(milliseconds()) ms: \(outcome.applied.joined(separator: ", "))")
            if !outcome.needsRestart.isEmpty {
                logger.warning("reload: not applied until a restart: \(outcome.needsRestart.joined(separator: ", "))")
            }
            outcome.enforced = report.enforced
            outcome.milliseconds = milliseconds()
            let fate = report.enforced ? "closed" : "still connected (emqxctl reload --enforce closes it)"
            for refusal in report.refusals {
                let certificate = refusal.subject.isEmpty ? "no certificate" : refusal.subject
                logger.warning(
                    "reload: the new trust settings of \(refusal.listenerID) refuse client \(refusal.clientID) (\(certificate)): \(refusal.why); \(fate)"
                )
                outcome.untrustedClients.append(
                    .init(listener: refusal.listenerID, clientId: refusal.clientID, subject: refusal.subject, why: refusal.why))
            }
            return outcome
        } catch {
            logger.error("reload failed, nothing changed: \(error)")
            return ReloadOutcome(result: .refused, errors: ["\(error)"])
        }
    }

    /// `authentication`, then each listener's own, in the order of the tree.
    private static func authenticationBlocks(_ tree: HOCONValue) -> [HOCONValue?] {
        var blocks = [tree.object?["authentication"]]
        for type in tree.object?["listeners"]?.object?.keys ?? [] {
            let names = tree.object?["listeners"]?.object?[type]?.object
            for name in names?.keys ?? [] { blocks.append(names?[name]?.object?["authentication"]) }
        }
        return blocks
    }

    /// The admin endpoint's https certificate is renewed in place; its binds wait for a restart.
    private func reloadDashboard(_ new: DashboardConfig, material: ListenerMaterial?, into outcome: inout ReloadOutcome) throws {
        func binds(_ config: DashboardConfig) -> [String] { config.listeners.map { "\($0.keyPath) \($0.bind.value)" } }
        if binds(new) != binds(dashboard) {
            outcome.needsRestart.append("dashboard listeners")
        } else if let admin, let ssl = new.https?.sslOptions, let material {
            admin.replaceTLS(try TLSContext.server(ssl, material: material))
            outcome.applied.append("dashboard.listeners.https ssl_options")
        }
    }
}

extension EmqxCtl.Serve {
    /// The config (the file, or the embedded defaults), and the config files it read.
    func load(environment: [String: String]) -> (ConfigLoadResult, configFiles: [String]) {
        var loader = ConfigLoader(environment: environment)
        let recorder = RecordingFileSystem()
        loader.fileSystem = recorder
        let loaded = config.map { loader.load(path: $0) } ?? loader.load(text: Self.embeddedDefaults, path: "<embedded defaults>")
        return (loaded, recorder.files)
    }

    /// The preflight serve runs, at start and at each reload.
    func preflight(environment: [String: String]) -> Preflight {
        var checks = Preflight(environment: environment)
        checks.pskStore = pskDB
        checks.userStore = userDB
        checks.stateStore = brokerDB
        return checks
    }

    /// What the file watcher watches: the config files read, and the files the config names.
    static func watched(_ model: BrokerConfig?, configFiles: [String], paths: PathResolver) -> [String] {
        let read = configFiles.map(paths.absolute)
        return read + (model?.watchedFiles(paths: paths) ?? []).filter { !read.contains($0) }
    }
}
