import ArgumentParser
import CertTools
import Foundation

extension EmqxCtl.Cert {
    /// `emqxctl cert inspect`: human and JSON views of PEM/DER files.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show certificates, chains, keys, CSRs and CRLs (PEM or DER).",
            discussion: """
                For each object: subject, issuer, serial, validity and days left, key type and \
                size, SANs, key usages, fingerprints, and a CRL's entries. A file with several \
                certificates is shown in order, and a chain in the wrong order is flagged \
                (servers send certfile as it is: leaf first, then each issuer).

                Encrypted keys need --passphrase-file or --passphrase-env.

                EXAMPLES
                  emqxctl cert inspect etc/certs/cert.pem
                  emqxctl cert inspect --format json etc/certs/*.pem
                  emqxctl cert inspect server.der crl.pem

                EXIT CODES
                  0 all files read; 1 a file could not be read (the others are still shown)
                """
        )

        enum Format: String, ExpressibleByArgument {
            case text, json
        }

        @Argument(help: "PEM or DER files.")
        var files: [String]

        @Option(help: "text or json.")
        var format: Format = .text

        @OptionGroup var passphrase: KeyPassphraseOptions

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one file to inspect") }
        }

        func run() throws {
            let key = try passphrase.read()
            let now = Date()
            var reports: [InspectReport] = []
            var failed = false
            for path in files {
                do {
                    reports += Self.reports(for: try CryptoFile.read(path: path, passphrase: key), now: now)
                } catch {
                    Console.note("Error: \(error)")
                    failed = true
                }
            }
            switch format {
            case .text: Console.output(reports.map(\.text).joined(separator: "\n"))
            case .json: Console.output(try Self.json(reports))
            }
            if failed { throw ExitCode.failure }
        }

        static func reports(for file: CryptoFile, now: Date) -> [InspectReport] {
            var counts: [String: Int] = [:]
            var reports = file.items.map { item in
                counts[item.object.kindName, default: 0] += 1
                return InspectReport(
                    file: file.path, line: item.line, position: counts[item.object.kindName]!, object: item.object, now: now)
            }
            for problem in CertificateChain.orderProblems(file.certificates) {
                if let index = reports.firstIndex(where: { $0.kind == "certificate" && $0.position == problem.position }) {
                    reports[index].warnings.append("wrong order: \(problem.description)")
                }
            }
            return reports
        }

        static func json(_ reports: [InspectReport]) throws -> String { try JSONOutput.encode(reports) }
    }
}
