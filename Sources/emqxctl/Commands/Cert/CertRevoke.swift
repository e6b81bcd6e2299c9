import ArgumentParser
import CertTools
import Foundation

extension EmqxCtl.Cert {
    /// `emqxctl cert revoke`: mark a certificate revoked in the CA's database.
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a certificate issued by a CA folder (by serial or by file).",
            discussion: """
                Records the revocation in the CA's index.txt. Publish it to clients with \
                `emqxctl cert crl`; `openssl ocsp -index index.txt` answers "revoked" at once.

                Reasons: \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", ")).

                EXAMPLES
                  emqxctl cert revoke etc/certs/sensor-17-cert.pem --reason keyCompromise
                  emqxctl cert revoke --serial 3A7F0C… --reason superseded
                  emqxctl cert crl

                EXIT CODES
                  0 revoked; 1 failed (unknown serial, already revoked); 64 bad usage
                """
        )

        @Argument(help: "The certificate file to revoke.")
        var certificate: String?

        @Option(help: ArgumentHelp("The serial number to revoke, in hex.", valueName: "hex"))
        var serial: String?

        @Option(help: "Why: keyCompromise, superseded, cessationOfOperation, ….")
        var reason: String = "unspecified"

        @OptionGroup var folder: CAFolderOptions

        func validate() throws {
            if (certificate == nil) == (serial == nil) {
                throw ValidationError("give either a certificate file or --serial, not both and not neither")
            }
        }

        func run() throws {
            let why = try RevocationReason(parsing: reason)
            var authority = try folder.openAuthority()
            let target: SerialNumber
            if let certificate {
                guard let leaf = try CryptoFile.certificates(path: certificate).first else { throw ExitCode.failure }
                guard leaf.isIssued(by: authority.issuingCertificate) else {
                    throw ValidationError(
                        "\(certificate) was not issued by the CA in \(folder.directory) (\(authority.issuingCertificate.subject))")
                }
                target = leaf.serialNumber
            } else {
                target = try SerialNumber(hex: serial!)
            }
            try authority.revoke(target, reason: why, at: Date())
            try SecureFileWriter(directory: folder.directory).write(authority.stateFiles)
            let subject = authority.database.record(for: target)?.subject ?? ""
            Console.note("revoked serial \(target) (\(subject)), reason \(why.rawValue); run `emqxctl cert crl` to publish it")
        }
    }
}
