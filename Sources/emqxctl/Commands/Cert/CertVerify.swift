import ArgumentParser
import CertTools
import Foundation

extension EmqxCtl.Cert {
    /// `emqxctl cert verify`: does this chain verify, and if not, why.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a certificate chain against a CA file, and say why it fails.",
            discussion: """
                CERT holds the leaf, optionally followed by intermediates (as a server's \
                certfile does). The chain must lead to a certificate in --ca. With --crl the \
                leaf's revocation is checked too; with --host the certificate must name the \
                host; with --purpose its extendedKeyUsage must allow server or client use; with \
                --key the private key must belong to the leaf.

                Failures are explained: expired, not yet valid, unknown issuer, wrong order, \
                missing intermediate, host name mismatch, wrong purpose, revoked, CRL \
                problems. Strict RFC 5280 rules (as Python 3.13 applies them) are on; \
                --no-strict turns them off.

                EXAMPLES
                  emqxctl cert verify --ca etc/certs/cacert.pem --host localhost \\
                    --purpose server etc/certs/cert.pem
                  emqxctl cert verify --ca etc/certs/cacert.pem --crl etc/certs/crl.pem \\
                    --purpose client etc/certs/client-cert.pem
                  emqxctl cert verify --ca ca.pem --at 2027-01-01 cert.pem

                EXIT CODES
                  0 verified; 1 did not verify or could not be read; 64 bad usage
                """
        )

        @Option(help: "The trusted CA certificates (PEM or DER).")
        var ca: String

        @Option(help: "A CRL to check the leaf against; repeatable.")
        var crl: [String] = []

        @Option(help: "The host name or IP address clients connect to.")
        var host: String?

        @Option(help: "server or client: what the leaf must be fit for.")
        var purpose: ChainVerifier.Purpose?

        @Option(help: "The leaf's private key, to check that it belongs to the certificate.")
        var key: String?

        @Option(help: ArgumentHelp("Verify as of this time (ISO 8601) instead of now.", valueName: "time"))
        var at: String?

        @Flag(name: .customLong("no-strict"), help: "Accept certificates that break strict RFC 5280 rules.")
        var lenient = false

        @Argument(help: "The certificate, or leaf-first chain, to verify.")
        var certificate: String

        func run() throws {
            let time = try at.map(Self.parseTime) ?? Date()
            let chain = try CryptoFile.certificates(path: certificate)
            if let key {
                let privateKey = try CryptoFile.privateKey(path: key)
                guard privateKey.matches(chain[0]) else {
                    Console.note("FAILED: the key in \(key) does not belong to \(chain[0].subject) in \(certificate)")
                    Console.note(
                        "  hint: pair each certificate with the key it was issued for (compare \"public key SHA-256\" in cert inspect)")
                    throw ExitCode.failure
                }
            }
            let verifier = ChainVerifier(
                trustAnchors: try CryptoFile.certificates(path: ca),
                crls: try crl.map { try CryptoFile.crl(path: $0) },
                strict: !lenient
            )
            switch verifier.verify(chain, purpose: purpose, hostname: host, at: time) {
            case .success(let verified):
                let path = verified.certificates.map { $0.subject.commonName ?? $0.subject.description }.joined(separator: " -> ")
                var checks = ["chain"]
                if purpose != nil { checks.append("\(purpose!.rawValue) purpose") }
                if host != nil { checks.append("host \(host!)") }
                if !crl.isEmpty { checks.append("not revoked") }
                if key != nil { checks.append("key matches") }
                Console.output("OK: \(path) (\(checks.joined(separator: ", ")))\n")
            case .failure(let failure):
                Console.note("FAILED (\(failure.code)): \(failure.message)")
                if !failure.hint.isEmpty { Console.note("  hint: \(failure.hint)") }
                if let reason = failure.openSSLReason { Console.note("  openssl: \(reason)") }
                throw ExitCode.failure
            }
        }

        static func parseTime(_ text: String) throws -> Date {
            let formatter = ISO8601DateFormatter()
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withFullDate]
            if let date = formatter.date(from: text) { return date }
            throw ValidationError("--at \"\(text)\" is not an ISO 8601 time such as 2027-01-01T00:00:00Z or 2027-01-01")
        }
    }
}
