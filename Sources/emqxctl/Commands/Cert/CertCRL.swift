import ArgumentParser
import CertTools
import Foundation

extension EmqxCtl.Cert {
    /// `emqxctl cert crl`: publish the CA's CRL.
    struct CRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl",
            abstract: "Write the CA's CRL, listing every revoked certificate.",
            discussion: """
                Writes a v2 CRL signed by the issuing CA (the intermediate when there is one), \
                with a cRLNumber one higher than the last and a nextUpdate --days from now. \
                Clients that check CRLs fail closed once nextUpdate passes, so publish a new \
                one well before then.

                EXAMPLES
                  emqxctl cert crl
                  emqxctl cert crl --days 7 --out /var/www/ca/crl.pem
                  openssl verify -crl_check -CAfile etc/certs/cacert.pem \\
                    -CRLfile etc/certs/crl.pem etc/certs/client-cert.pem

                EXIT CODES
                  0 written; 1 failed; 64 bad usage
                """
        )

        @OptionGroup var folder: CAFolderOptions

        @Option(help: "Days until nextUpdate.")
        var days = 30

        @Option(name: [.customLong("out"), .customShort("o")], help: "Where to write the CRL (default: crl.pem in the CA folder).")
        var output: String?

        func run() throws {
            var authority = try folder.openAuthority()
            let crl = try authority.makeCRL(days: days, now: Date())
            let path = output ?? (folder.directory as NSString).appendingPathComponent(CAFolderLayout.crl)
            let directory = (path as NSString).deletingLastPathComponent
            try SecureFileWriter(directory: directory.isEmpty ? "." : directory)
                .write([OutputFile(name: (path as NSString).lastPathComponent, text: crl.pemEncoded, kind: .publication)])
            try SecureFileWriter(directory: folder.directory).write(authority.stateFiles)
            Console.note(
                "wrote \(path): CRL number \(crl.crlNumber?.hex ?? "?"), \(crl.entries.count) revoked, next update \(crl.nextUpdate.map { ISO8601DateFormatter().string(from: $0) } ?? "none")"
            )
        }
    }
}
