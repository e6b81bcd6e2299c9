import ArgumentParser
import Foundation

extension EmqxCtl {
    /// `emqxctl config …`: check and show an emqx.conf.
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an emqx.conf before deploy, or show its effective values.",
            subcommands: [Check.self, Show.self]
        )
    }
}

/// Where the config is and how to read it.
struct ConfigFileOptions: ParsableArguments {
    @Argument(help: "The config file (EMQX 5 HOCON).")
    var file = "etc/emqx.conf"

    @Flag(name: .customLong("no-env"), help: "Ignore EMQX_* environment overrides.")
    var ignoreEnvironment = false

    /// The environment the loader sees: EMQX_* overrides dropped with --no-env, the rest kept
    /// for ${VAR} substitutions and path variables.
    var environment: [String: String] {
        let all = ProcessInfo.processInfo.environment
        guard ignoreEnvironment else { return all }
        return all.filter { !$0.key.hasPrefix("EMQX_") || !$0.key.contains("__") }
    }
}
