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

                When a listener's trust in clients changes (verify, fail_if_no_peer_cert, \
                cacertfile's CAs, crlfile's CRLs), the clients already connected to it are \
                judged as a new handshake would be, and those refused are named (client id, \
                certificate subject, why). They stay connected unless --enforce is given, \
                which closes them (5.0 clients get DISCONNECT 0x87, not authorized).

                EXAMPLES
                  emqxctl reload
                  emqxctl reload --enforce
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

        @Flag(help: "Close the connected clients the new CAs, CRLs or verify settings refuse.")
        var enforce = false

        func run() throws {
            let token: String
            let answer: (status: Int, body: [UInt8])
            do {
                token = try AdminToken.read(path: adminToken)
                answer = try AdminClient(url: url, caFile: cacert).send(
                    .POST, "/api/v5/reload" + (enforce ? "?enforce=true" : ""), token: token)
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
                let took = outcome.milliseconds.map { " in \($0) ms" } ?? ""
                Console.output("reload applied\(took): \(outcome.applied.joined(separator: ", "))")
                if !outcome.needsRestart.isEmpty {
                    Console.output("not applied until a restart: \(outcome.needsRestart.joined(separator: ", "))")
                }
                for client in outcome.untrustedClients {
                    let certificate = client.subject.isEmpty ? "no certificate" : client.subject
                    let fate = outcome.enforced ? "closed" : "still connected (--enforce closes it)"
                    Console.output(
                        "refused by the new trust: \(client.listener) client \(client.clientId) (\(certificate)): \(client.why); \(fate)")
                }
            case .refused:
                Console.note(outcome.errors.joined(separator: "\n"))
                Console.note("reload refused, nothing changed")
                throw ExitCode.failure
            }
        }
    }
}
