import ArgumentParser
import Foundation
import NIOHTTP1
import Operations

extension EmqxCtl {
    /// `emqxctl reload`: asks a running `serve` to reload, through its admin endpoint.
    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reload a running serve's config and files without dropping clients.",
            discussion: """
                The same reload as SIGHUP, asked through the admin endpoint \
                (POST /api/v5/reload with the bearer token serve keeps in data/admin.token): \
                serve re-reads the config and every file it names and runs its preflight. \
                Without errors, new connections get the new certificates, keys, CAs, ciphers, \
                versions, access_rules, limits and authorization rules, and connected clients \
                stay. With errors nothing changes, and they are printed here. What changed but \
                needs a restart (a bind, a listener added or removed) is named.

                EXAMPLES
                  emqxctl reload
                  emqxctl reload --url https://127.0.0.1:18084 --cacert certs/cacert.pem

                EXIT CODES
                  0 applied; 1 refused (nothing changed); 3 the endpoint could not be reached; 64 bad usage
                """
        )

        @Option(help: ArgumentHelp("The admin endpoint of a running serve.", valueName: "url"))
        var url = "http://127.0.0.1:18083"

        @Option(help: ArgumentHelp("For an https endpoint: the CA that issued its certificate.", valueName: "file"))
        var cacert: String?

        @Option(help: ArgumentHelp("The bearer token serve created.", valueName: "path"))
        var adminToken = AdminToken.defaultPath

        func run() throws {
            let token: String
            let answer: (status: Int, body: [UInt8])
            do {
                token = try AdminToken.read(path: adminToken)
                answer = try AdminClient(url: url, caFile: cacert).send(.POST, "/api/v5/reload", token: token)
            } catch {
                Console.note("Error: \(error)")
                throw ExitCode(3)
            }
            guard let outcome = try? StatusReport.decoder.decode(ReloadOutcome.self, from: Data(answer.body)) else {
                Console.note("Error: \(url) answered HTTP \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
                throw ExitCode(3)
            }
            switch outcome.result {
            case .applied:
                Console.output("reload applied: \(outcome.applied.joined(separator: ", "))")
                if !outcome.needsRestart.isEmpty {
                    Console.output("not applied until a restart: \(outcome.needsRestart.joined(separator: ", "))")
                }
            case .refused:
                Console.note(outcome.errors.joined(separator: "\n"))
                Console.note("reload refused, nothing changed")
                throw ExitCode.failure
            }
        }
    }
}
