import ArgumentParser
import ConfigModel
import ConfigPreflight
import Foundation
import Logging
import MQTTBench

extension EmqxCtl.Bench {
    /// `emqxctl bench floor`: an MQTT-over-TLS endpoint with nothing behind it, to measure what
    /// `serve` adds per connection above SwiftNIO, the TLS and the kernel.
    struct Floor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a listener's TLS with a fixed CONNACK and nothing else: the per-connection floor under serve.",
            discussion: """
                Binds the listener from the config and, on one event loop, gives every \
                connection the listener's TLS exactly as `serve` does (the same handler and \
                context, PSK from --psk-db and psk_authentication.init_file), then answers \
                the CONNECT with CONNACK 0 and closes when the client does. It keeps no \
                sessions and checks nothing: it is not a broker. Drive it with `bench conn` \
                and compare its CPU per connection with serve's: the difference is what the \
                broker does per connection. Runs until interrupted.

                EXAMPLES
                  emqxctl bench floor --config etc/emqx.conf --listener ssl:default &
                  emqxctl bench conn --port 8883 --cafile etc/certs/cacert.pem --servername localhost

                EXIT CODES
                  1 the listener could not be bound or its TLS built; 2 the config has errors;
                  64 bad usage (no listener of that id)
                """
        )

        @Option(help: ArgumentHelp("The config file (EMQX 5 HOCON).", valueName: "file"))
        var config = "etc/emqx.conf"

        @Option(help: ArgumentHelp("The listener whose bind and TLS to use, as type:name (tcp or ssl).", valueName: "id"))
        var listener = "ssl:default"

        @Option(help: ArgumentHelp("The PSK store, as serve's --psk-db (when psk_authentication is enabled).", valueName: "file"))
        var pskDB = "data/psk.db"

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let model = try ConfigLoader(environment: environment).load(path: config).modelOrExit()
            guard let endpoint = model.listener(listener) else { throw ValidationError("\(config) has no listener \(listener)") }
            let checked = Preflight(environment: environment).check(model)
            guard !checked.hasErrors else {
                Console.note(DiagnosticRenderer.render(checked.diagnostics.filter { $0.severity == .error }))
                throw ExitCode(2)
            }
            let logger = Logger(label: "emqxctl.bench.floor")
            let psk =
                try endpoint.sslOptions != nil && model.pskAuthentication.enable
                ? EmqxCtl.Serve.openPSK(model.pskAuthentication, db: pskDB, logger: logger) : nil
            let server: FloorServer
            do {
                server = try FloorServer(listener: endpoint.sslOptions, material: checked.material[listener], psk: psk)
            } catch {
                Console.note("Error: \(error)")
                throw ExitCode.failure
            }
            let bind = endpoint.bind.value
            try server.run(host: bind.address ?? "0.0.0.0", port: Int(bind.port)) { port in
                Console.note("bench floor: \(listener) on port \(port), one event loop")
            }
        }
    }
}
