import ArgumentParser
import CertTools

extension EmqxCtl.Cert {
    /// `emqxctl cert gen`: a working PKI in one command.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gen",
            abstract: "Create a CA, a server certificate and client certificates in one go.",
            discussion: """
                Writes, under EMQX's etc/certs names:
                  cacert.pem, cakey.pem          the root CA (give cacert.pem to clients)
                  cert.pem, key.pem              the server (ssl_options.certfile / keyfile)
                  client-cert.pem, client-key.pem  a client, for verify_peer
                  NAME-cert.pem, NAME-key.pem    one more client per --client NAME
                  intermediate-cert.pem, …       with --intermediate; cert.pem then holds the
                                                 leaf followed by the intermediate
                  index.txt(.attr), crlnumber    the CA's state, for cert issue/revoke/crl
                                                 (index.txt also serves `openssl ocsp -index`)

                Keys are written 0600 and certificates 0644, each atomically; nothing is \
                overwritten without --force. The CA key is unencrypted unless a passphrase is \
                given with --ca-passphrase-file or --ca-passphrase-env.

                Server certificates name localhost, 127.0.0.1, ::1 and this host unless --san \
                is given. Leaves get SAN, SKI, AKI, keyUsage and extendedKeyUsage, so strict \
                clients (Python 3.13, Go, mosquitto, paho) accept them.

                EXAMPLES
                  emqxctl cert gen
                  emqxctl cert gen --out /etc/emqx/certs --san broker.example.com \\
                    --san 10.0.0.5
                  emqxctl cert gen --key-type rsa-2048 --intermediate --client sensor-1
                  emqxctl cert gen --crl-url http://ca.example.com/crl.pem \\
                    --ocsp-url http://ca.example.com:9877

                EXIT CODES
                  0 written; 1 failed and nothing was written; 64 bad usage
                """
        )

        @Option(name: [.customLong("out"), .customShort("o")], help: "The folder to write into.")
        var directory = "etc/certs"

        @Option(help: ArgumentHelp("Key type.", valueName: "type"))
        var keyType: KeyAlgorithm = .ecP256

        @Option(help: "CA validity in days.")
        var caDays = 3650

        @Option(help: "Server and client certificate validity in days.")
        var days = 825

        @Option(help: "The CA's common name (default: emqxctl Root CA, your user@host and a random part).")
        var caCn: String?

        @Option(help: "The server's common name (default: its first DNS name).")
        var serverCn: String?

        @Option(help: "The default client's common name (client-cert.pem).")
        var clientCn = "client"

        @OptionGroup var subject: SubjectOptions
        @OptionGroup var sans: SANOptions

        @Option(
            name: .customLong("client"),
            help: ArgumentHelp("Also issue a client certificate NAME-cert.pem with CN=NAME; repeatable.", valueName: "name"))
        var clients: [String] = []

        @Flag(help: "Issue leaves from an intermediate CA under the root.")
        var intermediate = false

        @Option(help: ArgumentHelp("CRL distribution point URL to write into issued certificates.", valueName: "url"))
        var crlUrl: String?

        @Option(help: ArgumentHelp("OCSP responder URL to write into issued certificates (AIA).", valueName: "url"))
        var ocspUrl: String?

        @OptionGroup var passphrase: PassphraseOptions

        @Flag(help: "Overwrite files that exist.")
        var force = false

        func run() throws {
            var blueprint = PKIBlueprint()
            blueprint.keyAlgorithm = keyType
            blueprint.caDays = caDays
            blueprint.leafDays = days
            if let caCn { blueprint.caCommonName = caCn }
            blueprint.serverCommonName = serverCn
            blueprint.clientCommonName = clientCn
            subject.apply(to: &blueprint)
            blueprint.serverNames = try sans.parsed()
            blueprint.extraClients = clients
            blueprint.intermediate = intermediate
            blueprint.crlDistributionPoint = crlUrl
            blueprint.ocspResponder = ocspUrl
            blueprint.caPassphrase = try passphrase.read()
            let files = try blueprint.build()
            try SecureFileWriter(directory: directory, force: force).write(files)
            Console.note(
                "wrote \(keyType.rawValue.hasPrefix("e") ? "an" : "a") \(keyType.rawValue) PKI to \(directory): \(files.map(\.name).joined(separator: ", "))"
            )
            Console.note(
                "  server: certfile = \(directory)/cert.pem, keyfile = \(directory)/key.pem; clients trust \(directory)/cacert.pem")
            if blueprint.caPassphrase == nil {
                Console.note(
                    "  note: the CA key \(directory)/cakey.pem is not encrypted; keep it off the broker host or use --ca-passphrase-file")
            }
        }
    }
}
