import ArgumentParser
import ConfigModel

extension ConfigLoadResult {
    /// The model, or the errors printed as `config check` prints them and `exitCode` thrown.
    func modelOrExit(_ exitCode: ExitCode = ExitCode(2)) throws -> BrokerConfig {
        guard let config, !hasErrors else {
            Console.note(DiagnosticRenderer.render(diagnostics.filter { $0.severity == .error }))
            throw exitCode
        }
        return config
    }
}
