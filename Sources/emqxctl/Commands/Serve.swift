import ArgumentParser
import BrokerRuntime
import ConfigModel
import Dispatch
import Foundation
import Logging

extension EmqxCtl {
    /// `emqxctl serve`: the embedded broker.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the embedded MQTT 3.1.1 / 5.0 broker from an emqx.conf.",
            discussion: """
                Loads the config and runs the same checks as `config check`; any error stops \
                start-up, printed as `config check` prints it. Then it serves every enabled \
                tcp listener (ssl listeners arrive with TLS support) until SIGINT or SIGTERM, \
                when it stops accepting, sends DISCONNECT 0x8B (server shutting down) to \
                MQTT 5 clients, and closes.

                Without --config it runs the embedded defaults: tcp on 0.0.0.0:1883.

                EXAMPLES
                  emqxctl serve
                  emqxctl serve --config examples/emqx.conf
                  EMQX_LISTENERS__TCP__DEFAULT__BIND='"127.0.0.1:11883"' emqxctl serve

                EXIT CODES
                  0 stopped by a signal; 1 could not bind; 2 the config has errors; 64 bad usage
                """
        )

        /// The config `serve` runs when none is given (ARCHITECTURE.md: tcp on 1883; ssl on
        /// 8883 with development certificates lands with the TLS issue).
        static let embeddedDefaults = """
            listeners.tcp.default.bind = "0.0.0.0:1883"
            listeners.ssl.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            """

        @Option(help: ArgumentHelp("The config file (EMQX 5 HOCON); the embedded defaults without it.", valueName: "file"))
        var config: String?

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: Logger.Level = .info

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let loader = ConfigLoader(environment: environment)
            let loaded = config.map { loader.load(path: $0) } ?? loader.load(text: Self.embeddedDefaults, path: "<embedded defaults>")
            var diagnostics = loaded.diagnostics
            if let model = loaded.config { diagnostics += Preflight(environment: environment).run(model) }
            let errors = diagnostics.filter { $0.severity == .error }
            guard let model = loaded.config, errors.isEmpty else {
                Console.note(DiagnosticRenderer.render(errors))
                Console.note("not starting: \(DiagnosticRenderer.summary(diagnostics)) in \(config ?? "the embedded defaults")")
                throw ExitCode(2)
            }
            let level = logLevel
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let server = BrokerServer(config: model, logger: Logger(label: "emqxctl.broker"))
            do {
                _ = try server.start()
            } catch {
                Console.note("Error: cannot start the listeners: \(error)")
                server.shutdown()
                throw ExitCode.failure
            }
            Self.waitForTerminationSignal()
            server.shutdown()
        }

        /// Blocks until SIGINT or SIGTERM.
        static func waitForTerminationSignal() {
            let stop = DispatchSemaphore(value: 0)
            var sources: [any DispatchSourceSignal] = []
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { stop.signal() }
                source.resume()
                sources.append(source)
            }
            stop.wait()
            sources.forEach { $0.cancel() }
        }
    }
}
