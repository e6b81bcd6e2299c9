import ArgumentParser

extension EmqxCtl {
    /// `emqxctl cert …`: make and inspect a PKI.
    struct Cert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make and inspect a PKI: CA, server and client certificates, CRLs.",
            discussion: """
                A CA folder made by `cert gen` holds the CA, a server and a client certificate \
                under EMQX's file names, and the CA's index.txt, so that `cert issue`, \
                `cert revoke` and `cert crl` can carry on from it.

                EXAMPLES
                  emqxctl cert gen --san broker.example.com
                  emqxctl cert inspect etc/certs/cert.pem
                  emqxctl cert verify --ca etc/certs/cacert.pem --host localhost etc/certs/cert.pem
                """,
            subcommands: [Generate.self, Issue.self, Inspect.self, Verify.self, Revoke.self, CRL.self, OCSPResponderCommand.self]
        )
    }
}
