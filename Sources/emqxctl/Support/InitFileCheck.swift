import ConfigModel
import Foundation
import Stores

/// `config check` on psk_authentication.init_file: the import's own line checks (separator,
/// lengths, duplicates, secrets that look like hex under raw encoding), run into a store in
/// memory, so that what `serve` would say at start-up is said before deploy and nothing is
/// written.
enum InitFileCheck {
    static func run(_ config: BrokerConfig, workingDirectory: String = FileManager.default.currentDirectoryPath) -> [Diagnostic] {
        let psk = config.pskAuthentication
        guard let file = psk.initFile else { return [] }
        let path = PathResolver(workingDirectory: workingDirectory).absolute(file.value)
        guard FileManager.default.isReadableFile(atPath: path) else { return [] }  // preflight reports that
        do {
            let report = try PSKStore.inMemory().importFile(path, options: PSKImportOptions(psk))
            return report.warnings.map {
                Diagnostic(
                    .pskInitFile, .warning, at: file.location, keyPath: file.keyPath, "\(file.value): \($0)",
                    hint: "serve gives the same warning at start-up")
            }
        } catch {
            return [
                Diagnostic(
                    .pskInitFile, .error, at: file.location, keyPath: file.keyPath, "\(error)",
                    hint: "serve would not start: it imports init_file first, and a bad line stops it")
            ]
        }
    }
}
