import ArgumentParser
import BrokerTLS
import ConfigModel
import ConfigPreflight
import Foundation
import MQTTBench

extension EmqxCtl.Bench {
    /// `emqxctl bench handshake`: what a listener's TLS costs per full handshake, without the
    /// network, the way `openssl speed` gives the cost of the crypto alone.
    struct Handshake: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Full TLS handshakes in memory against a listener's ssl_options: its TLS CPU per handshake.",
            discussion: """
                Builds the listener's TLS as `serve` does and runs full handshakes \
                against a bench client in this process, one after another, with no sockets \
                (no resumption). The server's CPU per handshake is what the listener's \
                certificates, versions and ciphers cost on their own: the floor under what \
                `serve` pays per connection, whose kernel TCP work and MQTT exchange come on \
                top (compare with `bench conn` and the broker's CPU time). OCSP stapling and \
                CRL checks, which need fetchers running, are left out. The client takes the \
                same TLS options as `bench conn`.

                EXAMPLES
                  emqxctl bench handshake --config etc/emqx.conf --cafile etc/certs/cacert.pem --servername localhost
                  emqxctl bench handshake --config etc/emqx.conf --tls-version tlsv1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
                  emqxctl bench handshake --config psk.conf --psk-identity device-1 --psk 736563726574 --tls-version tlsv1.2

                EXIT CODES
                  0 measured; 1 a handshake failed, or the TLS could not be built; 2 the config has errors;
                  64 bad usage (no ssl listener of that id)
                """
        )

        @Option(help: ArgumentHelp("The config file (EMQX 5 HOCON).", valueName: "file"))
        var config = "etc/emqx.conf"

        @Option(help: ArgumentHelp("The ssl listener, as type:name.", valueName: "id"))
        var listener = "ssl:default"

        @Option(help: "Handshakes (1 to 1000000).")
        var count = 2000

        @OptionGroup(title: "TLS client") var tls: BenchTLSOptions

        func validate() throws {
            guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be between 1 and 1000000") }
        }

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let model = try ConfigLoader(environment: environment).load(path: config).modelOrExit()
            guard let ssl = model.listener(listener)?.sslOptions else {
                throw ValidationError("\(config) has no listener \(listener) with ssl_options")
            }
            // The listener's files as serve reads them: through preflight, whose errors stop it.
            let checked = Preflight(environment: environment).check(model)
            guard let material = checked.material[listener], !checked.hasErrors else {
                Console.note(DiagnosticRenderer.render(checked.diagnostics.filter { $0.severity == .error }))
                throw ExitCode(2)
            }
            let client = try tls.options(host: "localhost") ?? TLSClientOptions()
            let report: HandshakeBench.Report
            do {
                let bench = try HandshakeBench(listener: ssl, material: material, psk: model.pskAuthentication.enable, client: client)
                report = try bench.run(count: count)
            } catch {
                Console.note("Error: \(error)")
                throw ExitCode.failure
            }
            let server = report.serverSeconds / Double(report.handshakes)
            let clientCost = report.clientSeconds / Double(report.handshakes)
            Console.output(
                "handshake: \(report.handshakes) full handshakes, \(report.negotiated): "
                    + String(
                        format: "server %.0f us CPU each (%.0f/s per core), client %.0f us\n", server * 1e6, 1 / server, clientCost * 1e6))
        }
    }
}
