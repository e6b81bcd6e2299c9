import ArgumentParser
import ConfigModel

extension EmqxCtl.Config {
    /// `emqxctl config show`: the effective config.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective config: defaults filled in, overrides applied, secrets redacted.",
            discussion: """
                For the roots emqxctl models (listeners, psk_authentication, crl_cache) every \
                field is printed with its effective value, implicit default listeners \
                included; other roots are printed as resolved. Passwords and other secrets \
                are printed as ******.

                EXAMPLES
                  emqxctl config show etc/emqx.conf
                  EMQX_LISTENERS__SSL__DEFAULT__BIND='"127.0.0.1:9883"' emqxctl config show

                EXIT CODES
                  0 printed; 2 the config has errors (they are printed instead); 64 bad usage
                """
        )

        @OptionGroup var options: ConfigFileOptions

        func run() throws {
            let loaded = ConfigLoader(environment: options.environment).load(path: options.file)
            let config = try loaded.modelOrExit()
            Console.output(EffectiveConfig.render(config, tree: loaded.tree))
        }
    }
}
