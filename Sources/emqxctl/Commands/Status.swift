import ArgumentParser
import ConfigModel
import ConfigPreflight
import Foundation
import NIOHTTP1
import Operations
import Stores

extension EmqxCtl {
    /// `emqxctl status`: the health of a running broker, or of a config's files.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show listeners, certificates, OCSP staples, CRLs and policy, with what needs attention.",
            discussion: """
                Asks a running `serve` through its admin endpoint (dashboard.listeners.http): \
                listeners and connections, every certificate of every chain with the days it \
                has left, each OCSP staple, each CRL source with its next update, the policy in \
                force and the PSK count. With --config it tells the same from the files alone, \
                with no broker running (staples are then unknown, and CRLs come from crlfile).

                A certificate with fewer than --warn-days left, a missing staple, or a stale \
                CRL under fail_open is a warning; an expired served certificate, a revoked \
                staple, or a stale CRL under fail_closed is an error. The exit code says which, \
                for cron and Nagios.

                EXAMPLES
                  emqxctl status
                  emqxctl status --url https://broker.example.com:18084 --cacert certs/cacert.pem
                  emqxctl status --config etc/emqx.conf --warn-days 14 --format json

                EXIT CODES
                  0 healthy; 1 a warning; 2 an error; 3 the endpoint could not be reached \
                (Nagios's UNKNOWN); 64 bad usage
                """
        )

        enum Format: String, ExpressibleByArgument {
            case text, json
        }

        @Option(help: ArgumentHelp("Tell from this config's files, with no broker asked.", valueName: "file"))
        var config: String?

        @Option(help: ArgumentHelp("The admin endpoint of a running serve.", valueName: "url"))
        var url = "http://127.0.0.1:18083"

        @Option(help: ArgumentHelp("For an https endpoint: the CA that issued its certificate.", valueName: "file"))
        var cacert: String?

        @Option(help: ArgumentHelp("Warn about certificates with fewer days left than this.", valueName: "days"))
        var warnDays = 30

        @Option(help: "text or json.")
        var format: Format = .text

        @Option(help: ArgumentHelp("With --config: the PSK store serve would open, for its count.", valueName: "path"))
        var pskDB = "data/psk.db"

        func validate() throws {
            guard warnDays >= 0 else { throw ValidationError("--warn-days must be 0 or more") }
        }

        func run() throws {
            let report: StatusReport
            if let config {
                report = try fromFiles(config)
            } else {
                do {
                    let answer = try AdminClient(url: url, caFile: cacert).send(.GET, "/api/v5/status?warn_days=\(warnDays)")
                    guard answer.status == 200 else {
                        throw AdminClient.Failure(
                            description: "\(url) answered HTTP \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
                    }
                    report = try StatusReport.decoder.decode(StatusReport.self, from: Data(answer.body))
                } catch {
                    Console.note("Error: \(error)")
                    throw ExitCode(3)
                }
            }
            switch format {
            case .text: Console.output(StatusText.render(report))
            case .json: Console.output(String(decoding: try StatusReport.encoder.encode(report), as: UTF8.self))
            }
            if report.health != .ok { throw ExitCode(report.health.exitCode) }
        }

        private func fromFiles(_ path: String) throws -> StatusReport {
            let environment = ProcessInfo.processInfo.environment
            let loaded = ConfigLoader(environment: environment).load(path: path)
            guard let model = loaded.config, !loaded.hasSyntaxErrors else {
                Console.note(DiagnosticRenderer.render(loaded.diagnostics.filter { $0.severity == .error }))
                throw ExitCode(2)
            }
            var checks = Preflight(environment: environment)
            checks.pskStore = pskDB
            let preflight = checks.check(model)
            let identities = model.pskAuthentication.enable ? try? PSKStore.open(path: pskDB, create: false).count() : nil
            var report = StatusReport(files: model, preflight: preflight, paths: checks.paths, pskIdentities: identities)
            report.problems += loaded.diagnostics.filter { $0.severity == .error }.map {
                StatusReport.Problem(severity: .error, subject: $0.keyPath ?? path, message: $0.message)
            }
            report.evaluate(warnDays: warnDays, now: report.generatedAt)
            return report
        }
    }
}
