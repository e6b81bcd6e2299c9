import BrokerRuntime
import ConfigModel
import ConfigPreflight
import Dispatch
import Foundation
import Logging
import Operations

extension EmqxCtl.Serve {
    /// Where reloads run, one at a time in the order asked, whoever asks (SIGHUP, the admin
    /// endpoint).
    static let reloads = DispatchQueue(label: "emqxctl.reloads")

    /// Re-reads the config and every file it names, runs the preflight serve ran at start,
    /// and applies the result only if it has no errors (nothing changes otherwise, and the log
    /// and the outcome list why). Connected clients are never dropped, except, with `enforce`,
    /// those the new trust settings refuse (always named). Runs on `reloads`.
    func reload(_ server: BrokerServer, environment: [String: String], logger: Logger, enforce: Bool = false, watcher: FileWatcher?)
        -> ReloadOutcome
    {
        let started = DispatchTime.now()
        func milliseconds() -> Int { Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000) }
        let (loaded, read) = load(environment: environment)
        var checks = Preflight(environment: environment)
        checks.pskStore = pskDB
        checks.userStore = userDB
        // Whatever the outcome, the files as they are now are the watcher's new baseline.
        defer { watcher?.watch(Self.watched(loaded.config, configFiles: read, paths: checks.paths)) }
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
            logger.notice("reload applied in \(milliseconds()) ms: \(report.applied.joined(separator: ", "))")
            if !report.needsRestart.isEmpty {
                logger.warning("reload: not applied until a restart: \(report.needsRestart.joined(separator: ", "))")
            }
            var outcome = ReloadOutcome(result: .applied, applied: report.applied, needsRestart: report.needsRestart)
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

    /// What the file watcher watches: the config files read, and the files the config names.
    static func watched(_ model: BrokerConfig?, configFiles: [String], paths: PathResolver) -> [String] {
        let named = model?.watchedFiles(paths: paths) ?? []
        return configFiles.map(paths.absolute) + named.filter { !configFiles.map(paths.absolute).contains($0) }
    }
}
