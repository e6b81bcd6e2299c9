import ArgumentParser
import CertTools
import Foundation
import Logging
import Revocation

extension EmqxCtl.Cert {
    /// `emqxctl cert ocsp-responder`: answer OCSP requests for a CA folder.
    struct OCSPResponderCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ocsp-responder",
            abstract: "Serve OCSP for a CA folder made by `cert gen`, to try stapling end to end.",
            discussion: """
                Answers GET and POST OCSP requests (RFC 6960) for the certificates the folder's \
                CA issued: good, revoked (as `cert revoke` recorded it, at once) or unknown. \
                Responses are signed by the CA and valid for --validity minutes. Point an ssl \
                listener's ocsp.responder_url at it, with ocsp.issuer_pem = the CA certificate.

                EXAMPLES
                  emqxctl cert gen --ocsp-url http://127.0.0.1:9877
                  emqxctl cert ocsp-responder --port 9877
                  openssl ocsp -issuer etc/certs/cacert.pem -cert etc/certs/cert.pem \\
                    -url http://127.0.0.1:9877 -CAfile etc/certs/cacert.pem

                EXIT CODES
                  0 stopped by SIGINT or SIGTERM; 1 cannot open the CA or the port; 64 bad usage
                """
        )

        @OptionGroup var folder: CAFolderOptions

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on.")
        var port = 9877

        @Option(help: ArgumentHelp("How long each response is valid (its nextUpdate), in minutes.", valueName: "minutes"))
        var validity = 60

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535 (0 picks a free port)") }
            guard (1...(366 * 24 * 60)).contains(validity) else { throw ValidationError("--validity must be 1 minute to 366 days") }
        }

        func run() throws {
            let authority = try folder.openAuthority()
            let issuer = authority.issuer
            let index = (folder.directory as NSString).appendingPathComponent("index.txt")
            let validity = TimeInterval(self.validity * 60)
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            let logger = Logger(label: "emqxctl.ocsp")
            let server = try OCSPHTTPServer(host: host, port: port, logger: logger) { request in
                // index.txt is read per request, so a `cert revoke` applies to the next answer.
                let database = (try? String(contentsOfFile: index, encoding: .utf8)).flatMap { try? CADatabase(parsing: $0, path: index) }
                guard let database, let responder = try? OCSPResponder(issuer: issuer, database: database) else {
                    return ([0x30, 0x03, 0x0A, 0x01, 0x02], "cannot read \(index): answered internalError")
                }
                let answer = responder.respond(to: request, at: Date(), validity: validity)
                let summary = answer.statuses.map { "serial \($0.serial?.hex ?? "?") \($0.status)" }.joined(separator: ", ")
                return (answer.der, summary.isEmpty ? "malformed request" : summary)
            }
            Console.note(
                "OCSP responder for \(authority.issuingCertificate.subject) on http://\(host):\(server.port ?? port) (responses valid \(self.validity) min)"
            )
            EmqxCtl.Serve.waitForTerminationSignal()
            server.shutdown()
        }
    }
}
