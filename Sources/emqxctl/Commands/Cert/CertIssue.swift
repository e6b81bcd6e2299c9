import ArgumentParser
import CertTools
import Foundation

extension EmqxCtl.Cert {
    /// `emqxctl cert issue`: one more server or client certificate from a CA folder.
    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue another server or client certificate from a CA folder.",
            discussion: """
                Writes NAME-cert.pem (the leaf, followed by the intermediate when the CA has \
                one) and NAME-key.pem (0600) into the CA folder, or into --out, and records the \
                certificate in the CA's index.txt.

                A server certificate names NAME itself when no --san is given and NAME is a \
                host name.

                EXAMPLES
                  emqxctl cert issue server broker2.example.com --san 10.0.0.6
                  emqxctl cert issue client sensor-17 --days 3650
                  emqxctl cert issue client gateway --dir /etc/emqx/certs \\
                    --ca-passphrase-env CA_PASS

                EXIT CODES
                  0 issued; 1 failed and nothing was written; 64 bad usage
                """
        )

        @Argument(help: ArgumentHelp("server or client.", valueName: "profile"))
        var profile: CertificateProfile

        @Argument(help: "The common name, also the file stem (NAME-cert.pem).")
        var name: String

        @OptionGroup var folder: CAFolderOptions
        @OptionGroup var sans: SANOptions
        @OptionGroup var subject: SubjectOptions

        @Option(help: ArgumentHelp("Key type (default: the CA's type).", valueName: "type"))
        var keyType: KeyAlgorithm?

        @Option(help: "Validity in days.")
        var days = 825

        @Option(help: ArgumentHelp("CRL distribution point URL.", valueName: "url"))
        var crlUrl: String?

        @Option(help: ArgumentHelp("OCSP responder URL (AIA).", valueName: "url"))
        var ocspUrl: String?

        @Option(name: [.customLong("out"), .customShort("o")], help: "Write the certificate and key here (default: the CA folder).")
        var outDirectory: String?

        @Flag(help: "Overwrite files that exist.")
        var force = false

        func validate() throws {
            guard profile == .server || profile == .client else {
                throw ValidationError("the profile must be server or client; CAs come from `cert gen`")
            }
        }

        func run() throws {
            var authority = try folder.openAuthority()
            let files = try CAFolderLayout.files(forName: name)
            var names = try sans.parsed()
            if profile == .server && names.isEmpty {
                guard let own = try? SubjectAlternativeName(classifying: name), case .dns = own else {
                    throw ValidationError("\"\(name)\" is not a host name; give the server's names with --san")
                }
                names = [own]
            }
            var blueprint = PKIBlueprint()
            subject.apply(to: &blueprint)
            blueprint.crlDistributionPoint = crlUrl
            blueprint.ocspResponder = ocspUrl
            let spec = blueprint.leafSpec(name, profile, names, try Validity(days: days, from: Date()))
            let algorithm = keyType ?? authority.issuingCertificate.publicKeyDescription.flatMap(KeyAlgorithm.init(matching:)) ?? .ecP256
            let issued = try authority.issue(spec, keyAlgorithm: algorithm)
            let output = outDirectory ?? folder.directory
            let leafFiles = [
                OutputFile(name: files.certificate, text: issued.chainPEM, kind: .certificate),
                OutputFile(name: files.key, text: try issued.key.pemEncoded(), kind: .secret),
            ]
            if output == folder.directory {
                try SecureFileWriter(directory: output, force: force).write(leafFiles + authority.stateFiles)
            } else {
                try SecureFileWriter(directory: output, force: force).write(leafFiles)
                try SecureFileWriter(directory: folder.directory).write(authority.stateFiles)
            }
            Console.note(
                "issued \(profile.rawValue) certificate CN=\(name), serial \(issued.certificate.serialNumber), to \(output)/\(files.certificate) and \(output)/\(files.key)"
            )
        }
    }
}

extension KeyAlgorithm {
    /// The algorithm that makes keys like `key`, so new leaves match their CA by default.
    init?(matching key: KeyDescription) {
        switch (key.type, key.curve, key.bits) {
        case ("EC", "P-256", _): self = .ecP256
        case ("EC", "P-384", _): self = .ecP384
        case ("RSA", _, 2048): self = .rsa2048
        case ("RSA", _, 3072): self = .rsa3072
        case ("RSA", _, 4096): self = .rsa4096
        case ("Ed25519", _, _): self = .ed25519
        default: return nil
        }
    }
}
