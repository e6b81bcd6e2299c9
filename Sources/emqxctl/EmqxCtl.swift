import ArgumentParser

/// The root command. Subcommands live one per file under `Commands/`.
@main
struct EmqxCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emqxctl",
        abstract: "The TLS side of an MQTT broker: PKI, PSK store, config checks and an embedded broker.",
        discussion: """
            emqxctl speaks EMQX 5's dialect: file names match EMQX's etc/certs, and config \
            commands read emqx.conf (HOCON).

            EXIT CODES
              0   success
              1   the command failed (the message says why)
              64  bad usage (unknown flag, missing argument)
            """,
        version: "0.1.0",
        subcommands: [Cert.self, Config.self, PSK.self, User.self, ACL.self, Serve.self, Status.self, Reload.self, Bench.self]
    )
}
