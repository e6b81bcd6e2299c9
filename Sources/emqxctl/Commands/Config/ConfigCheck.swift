import ArgumentParser
import Authentication
import ConfigModel
import ConfigPreflight
import Foundation
import Revocation

extension EmqxCtl.Config {
    /// `emqxctl config check`: every problem, located, before deploy.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find every problem in an emqx.conf, with file:line:col, before deploy.",
            discussion: """
                Parses the HOCON (includes, ${…} substitutions and EMQX_* environment \
                overrides included), decodes it against EMQX 5.8's schema, checks values \
                (TLS versions, ciphers, verify, OCSP, CRL, PSK, binds, access rules), and \
                then runs the same preflight as `serve` on the files behind them: that \
                certificates and keys exist and parse, that keys match, that chains verify, \
                expiry, SANs, and whether the key type suits the cipher list. No port is \
                bound and nothing is written.

                Relative paths are resolved against the working directory, as EMQX does.

                With --probe it also goes on the network: it asks each stapling listener's \
                OCSP responder for a response, and fetches the CRLs at the distribution \
                points named in certfile and cacertfile, checking them as `serve` would.

                EXAMPLES
                  emqxctl config check
                  emqxctl config check /etc/emqx/emqx.conf --format json
                  emqxctl config check --probe

                EXIT CODES
                  0   no errors (warnings and notes may be printed)
                  2   errors were found
                  64  bad usage
                """
        )

        enum Format: String, ExpressibleByArgument {
            case text, json
        }

        @OptionGroup var options: ConfigFileOptions

        @Option(help: "text or json.")
        var format: Format = .text

        @Flag(name: .customLong("quiet"), help: "Print only errors and warnings, not notes.")
        var quiet = false

        @Flag(help: "Also fetch the first OCSP response and the CRLs, and ask each HTTP authentication backend once, as serve would.")
        var probe = false

        @Option(help: ArgumentHelp("The PSK store serve would open (its mode is checked with psk_authentication on).", valueName: "path"))
        var pskDB = "data/psk.db"

        @Option(help: ArgumentHelp("The user store serve would open (its mode is checked with a built_in_database).", valueName: "path"))
        var userDB = "data/users.db"

        @Option(
            help: ArgumentHelp(
                "The broker state store serve would open (its folder, mode and free space are checked when anything is durable).",
                valueName: "path"))
        var brokerDB = "data/broker.db"

        func run() throws {
            let loaded = ConfigLoader(environment: options.environment).load(path: options.file)
            var diagnostics = loaded.diagnostics
            if let config = loaded.config, !loaded.hasSyntaxErrors {
                var checks = Preflight(environment: options.environment)
                checks.pskStore = pskDB
                checks.userStore = userDB
                checks.stateStore = brokerDB
                let preflight = checks.check(config)
                diagnostics += preflight.diagnostics
                diagnostics += InitFileCheck.run(config)
                if probe {
                    diagnostics += RevocationProbe().run(config, material: preflight.material)
                    diagnostics += AuthenticationProbe().run(config)
                }
            }
            if quiet { diagnostics.removeAll { $0.severity == .note } }
            switch format {
            case .text:
                Console.output(DiagnosticRenderer.render(diagnostics))
                Console.note("\(options.file): \(DiagnosticRenderer.summary(diagnostics))")
            case .json:
                Console.output(try DiagnosticJSON.encode(diagnostics, file: options.file))
            }
            if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
        }
    }
}
