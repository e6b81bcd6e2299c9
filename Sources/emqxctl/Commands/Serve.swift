import ArgumentParser
import BrokerRuntime
import BrokerTLS
import CertTools
import ConfigModel
import ConfigPreflight
import Dispatch
import Foundation
import Logging
import NIOCore
import Operations
import Stores

extension EmqxCtl {
    /// `emqxctl serve`: the embedded broker.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the embedded MQTT 3.1.1 / 5.0 broker from an emqx.conf.",
            discussion: """
                Loads the config and runs the same checks as `config check`; any error stops \
                start-up, printed as `config check` prints it. Then it serves every enabled \
                tcp, ssl, ws and wss listener until SIGINT or SIGTERM (ws and wss only when \
                written: EMQX's implicit ws:default and wss:default are not opened), \
                when it stops accepting, sends DISCONNECT 0x8B (server shutting down) to \
                MQTT 5 clients, and closes.

                Without --config it runs the embedded defaults: tcp on 0.0.0.0:1883 and ssl on \
                0.0.0.0:8883, with development certificates that the first start generates \
                under data/certs (as `cert gen` would; clients trust data/certs/cacert.pem).

                It reloads without dropping clients on SIGHUP, on `emqxctl reload`, and when the \
                config or a TLS or ACL file it names changes (polled every second; a change \
                waits 2 s for the rest of a renewal to land; --no-watch turns this off).

                With psk_authentication.enable, ssl listeners accept TLS-PSK: init_file is \
                imported into --psk-db at start (a bad line stops start-up), and changes made \
                with `psk import` or `psk add` while it runs are picked up within a second.

                With session_persistence.enable (or durable_sessions.enable), sessions with an \
                expiry interval (clean_session = false for 3.1.1) and retained messages with \
                retainer.backend.storage_type = disc live in --broker-db and come back after a \
                restart or a crash: a QoS 1 or 2 message is acknowledged once it is on disk.

                EXAMPLES
                  emqxctl serve
                  emqxctl serve --config examples/emqx.conf
                  EMQX_LISTENERS__TCP__DEFAULT__BIND='"127.0.0.1:11883"' emqxctl serve

                EXIT CODES
                  0 stopped by a signal; 1 could not bind; 2 the config has errors; 64 bad usage
                """
        )

        /// The config `serve` runs when none is given (the README's first command): tcp on 1883, and ssl
        /// on 8883 with development certificates from `developmentCertificates`.
        static let embeddedDefaults = """
            listeners.tcp.default.bind = "0.0.0.0:1883"
            listeners.ssl.default {
              bind = "0.0.0.0:8883"
              ssl_options {
                certfile = "\(developmentCertificates)/cert.pem"
                keyfile = "\(developmentCertificates)/key.pem"
                cacertfile = "\(developmentCertificates)/cacert.pem"
              }
            }
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            """

        @Option(help: ArgumentHelp("The config file (EMQX 5 HOCON); the embedded defaults without it.", valueName: "file"))
        var config: String?

        @Option(help: ArgumentHelp("The PSK store, when psk_authentication is enabled.", valueName: "path"))
        var pskDB = "data/psk.db"

        @Option(help: ArgumentHelp("The user database of built_in_database authenticators.", valueName: "path"))
        var userDB = "data/users.db"

        @Option(
            help: ArgumentHelp(
                "The broker state store: durable sessions (session_persistence) and retained messages on disc.", valueName: "path"))
        var brokerDB = "data/broker.db"

        @Option(help: ArgumentHelp("The admin endpoint's bearer token, created on first start.", valueName: "path"))
        var adminToken = AdminToken.defaultPath

        @Option(
            help: ArgumentHelp(
                "Event loops to run connections on (default: EMQXCTL_THREADS, else one per core). The broker core runs on the first.",
                valueName: "n"))
        var threads: Int?

        /// For Benchmarks/every-core.sh: the design's alternative, measured beside it.
        @Flag(help: .hidden)
        var routingLoopAlone = false

        @Flag(name: .customLong("no-watch"), help: "Do not reload when the config or the TLS and ACL files it names change.")
        var noWatch = false

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: Logger.Level = .info

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let threads = try Self.threads(threads, environment: environment)
            if config == nil { try Self.makeDevelopmentCertificates() }
            let (loaded, configFiles) = load(environment: environment)
            var diagnostics = loaded.diagnostics
            let checks = preflight(environment: environment)
            let preflight = loaded.hasSyntaxErrors ? nil : loaded.config.map { checks.check($0) }
            diagnostics += preflight?.diagnostics ?? []
            let errors = diagnostics.filter { $0.severity == .error }
            guard let model = loaded.config, errors.isEmpty else {
                // What the summary counts is what is printed: errors and warnings (notes are for config check).
                let shown = diagnostics.filter { $0.severity != .note }
                Console.note(DiagnosticRenderer.render(shown))
                Console.note("not starting: \(DiagnosticRenderer.summary(shown)) in \(config ?? "the embedded defaults")")
                throw ExitCode(2)
            }
            let level = logLevel
            let json = model.log.consoleFormatter == .json
            LoggingSystem.bootstrap { label in
                if json {
                    var handler = JSONLogHandler(label: label)
                    handler.logLevel = level
                    return handler
                }
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "emqxctl.broker")
            let psk = try model.pskAuthentication.enable ? Self.openPSK(model.pskAuthentication, db: pskDB, logger: logger) : nil
            let server = BrokerServer(
                config: model, material: preflight?.material ?? [:], logger: logger, pskResolver: psk, userDatabase: userDB,
                stateStore: brokerDB, threads: threads, routingLoopAlone: routingLoopAlone)
            do {
                _ = try server.start()
            } catch let error as StateStoreStartError {
                Console.note("Error: \(error)")
                Console.note("not starting: the broker state store cannot be used (--broker-db)")
                server.shutdown()
                throw ExitCode.failure
            } catch {
                Console.note("Error: \(error)")
                server.shutdown()
                throw ExitCode.failure
            }
            psk?.startRefreshing()
            let reloader = ServeReloader(
                command: self, server: server, started: loaded, environment: environment, logger: logger)
            let admin: AdminServer?
            do {
                admin = try startAdmin(model, material: preflight?.dashboard, server: server, reloader: reloader, logger: logger)
            } catch {
                Console.note("Error: admin endpoint: \(error)")
                psk?.stop()
                server.shutdown()
                throw ExitCode.failure
            }
            let watcher = watch(model, configFiles: configFiles, paths: checks.paths, reloader: reloader, logger: logger)
            // Reloads read these on their queue.
            ServeReloader.queue.sync { (reloader.admin, reloader.watcher) = (admin, watcher) }
            Self.waitForTerminationSignal(onHangUp: { _ = reloader.reload() })
            reloader.watcher?.stop()
            reloader.admin?.shutdown()
            psk?.stop()
            server.shutdown()
        }

        /// Where the embedded defaults keep their certificates.
        static let developmentCertificates = "data/certs"

        /// Generates the development PKI on the first start without a config; later starts
        /// reuse it, so clients keep trusting the same CA.
        static func makeDevelopmentCertificates() throws {
            let folder = developmentCertificates
            guard !FileManager.default.fileExists(atPath: "\(folder)/cert.pem") else { return }
            do {
                let files = try PKIBlueprint().build()
                try SecureFileWriter(directory: folder, force: false).write(files)
            } catch {
                Console.note("Error: cannot create development certificates in \(folder): \(error)")
                throw ExitCode.failure
            }
            Console.note(
                "generated development certificates in \(folder) (for localhost; not for production): clients trust \(folder)/cacert.pem")
        }

        /// Opens the PSK store and imports `init_file` into it first, as EMQX does at start
        /// (an upsert: identities added with `psk add` stay). A bad file stops start-up.
        /// --threads, else EMQXCTL_THREADS, else one loop per core this process may use
        /// (NIO's count honours CPU affinity and cgroup quotas).
        static func threads(_ option: Int?, environment: [String: String]) throws -> Int {
            let range = 1...BrokerServer.maximumThreads
            if let option {
                guard range.contains(option) else { throw ValidationError("--threads \(option): must be 1 to \(range.upperBound)") }
                return option
            }
            if let text = environment["EMQXCTL_THREADS"] {
                guard let count = Int(text), range.contains(count) else {
                    throw ValidationError("EMQXCTL_THREADS=\(text): must be a number from 1 to \(range.upperBound)")
                }
                return count
            }
            return min(System.coreCount, range.upperBound)
        }

        static func openPSK(_ settings: PSKAuthenticationConfig, db: String, logger: Logger) throws -> StorePSKResolver {
            do {
                let store = try PSKStore.open(path: db, create: true)
                if let file = settings.initFile {
                    let report = try store.importFile(file.value, options: PSKImportOptions(settings))
                    for warning in report.warnings { logger.warning("\(file.value): \(warning)") }
                    logger.info(
                        "PSK init_file \(file.value) -> \(db): \(report.added) added, \(report.updated) updated, \(report.unchanged) unchanged"
                    )
                }
                let resolver = try StorePSKResolver(store: store, logger: logger)
                logger.info("PSK authentication on: \(resolver.count) identities from \(db)")
                return resolver
            } catch {
                Console.note("Error: \(error)")
                Console.note("not starting: psk_authentication could not load its keys")
                throw ExitCode(2)
            }
        }

        /// Blocks until SIGINT or SIGTERM; SIGHUP calls `onHangUp` (a reload) and goes on.
        static func waitForTerminationSignal(onHangUp: @escaping @Sendable () -> Void = {}) {
            let stop = DispatchSemaphore(value: 0)
            let signals = ServeReloader.queue
            var sources: [any DispatchSourceSignal] = []
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: signals)
                source.setEventHandler { if signalNumber == SIGHUP { onHangUp() } else { stop.signal() } }
                source.resume()
                sources.append(source)
            }
            stop.wait()
            sources.forEach { $0.cancel() }
        }
    }
}
