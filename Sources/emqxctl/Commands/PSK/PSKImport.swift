import ArgumentParser
import ConfigModel
import Foundation
import Stores

extension EmqxCtl.PSK {
    /// `emqxctl psk import FILE`.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an identity:secret file into the store, atomically.",
            discussion: """
                Reads EMQX's init.psk format: one identity<separator>secret per line, split at \
                the first separator. Blank lines and lines starting with # are skipped; CRLF \
                and a UTF-8 BOM are handled; a secret's trailing spaces are kept (as EMQX \
                does), with a warning.

                The whole import is one transaction: one bad line rolls everything back and \
                is reported with its number, and a reader sees the old set or the new one, \
                never a mix. --chunk-size bounds memory (lines held before writing), never \
                atomicity. A duplicate identity: the last line wins, with a warning naming both.

                Default is an upsert, as EMQX does; --replace makes the store exactly the \
                file; --dry-run reports the counts and changes nothing.

                With --config, the file, separator, chunk size and encoding come from \
                psk_authentication in that emqx.conf; flags override it.

                EXAMPLES
                  emqxctl psk import data/init.psk
                  emqxctl psk import --config etc/emqx.conf
                  emqxctl psk import devices.psk --secret-encoding hex --replace --dry-run

                EXIT CODES
                  0 imported; 1 failed and nothing changed; 64 bad usage
                """
        )

        @Argument(help: "The file to import (default: psk_authentication.init_file with --config).")
        var file: String?

        @OptionGroup var store: PSKStoreOptions

        @Option(help: ArgumentHelp("Read psk_authentication settings from this emqx.conf.", valueName: "file"))
        var config: String?

        @Option(help: "The separator between identity and secret (default \":\").")
        var separator: String?

        @Option(help: "Lines validated before they are written (default 50).")
        var chunkSize: Int?

        @Option(help: "raw (the text is the key, as EMQX) or hex (the text is hex, as mosquitto).")
        var secretEncoding: PSKSecretEncoding?

        @Flag(help: "Delete identities that the file does not have.")
        var replace = false

        @Flag(help: "Report what would change, and change nothing.")
        var dryRun = false

        func run() throws {
            var options = PSKImportOptions()
            var path = file
            if let config {
                let loaded = ConfigLoader(environment: ProcessInfo.processInfo.environment).load(path: config)
                let model = try loaded.modelOrExit(.failure)
                options = PSKImportOptions(model.pskAuthentication)
                path = path ?? model.pskAuthentication.initFile?.value
            }
            guard let path else { throw ValidationError("give the file to import, or --config with psk_authentication.init_file") }
            if let separator { options.separator = separator }
            if let chunkSize { options.chunkSize = chunkSize }
            if let secretEncoding { options.encoding = secretEncoding }
            options.replace = replace
            options.dryRun = dryRun
            let started = Date()
            let progress = ProgressLine(noun: "lines")
            // A store this import creates is removed again if the import fails: nothing is
            // left behind by a file that did not import.
            let created = !dryRun && !FileManager.default.fileExists(atPath: store.db)
            let report: PSKImportReport
            do {
                report = try store.open(create: !dryRun).importFile(path, options: options) { progress.update($0) }
            } catch {
                progress.finish()
                if created {
                    for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: store.db + suffix) }
                }
                throw error
            }
            progress.finish()
            for warning in report.warnings { Console.note("warning: \(path): \(warning)") }
            let unshown = report.duplicates + report.trailingSpaces + min(report.hexLookingSecrets, 1) - report.warnings.count
            if unshown > 0 { Console.note("warning: … and \(unshown) more") }
            Console.note(Self.summary(report, path: path, db: store.db, seconds: Date().timeIntervalSince(started)))
        }

        static func summary(_ report: PSKImportReport, path: String, db: String, seconds: Double) -> String {
            var counts = "\(report.added) added, \(report.updated) updated, \(report.unchanged) unchanged"
            if report.removed > 0 || report.dryRun { counts += ", \(report.removed) removed" }
            let rate = seconds > 0 ? String(format: ", %.0f lines/s", Double(report.lines) / seconds) : ""
            let prefix = report.dryRun ? "dry run, nothing changed: " : ""
            return "\(prefix)\(path) -> \(db): \(counts) (\(report.lines) lines in \(String(format: "%.2f", seconds)) s\(rate))"
        }
    }
}

/// A progress line on stderr, only when stderr is a terminal.
final class ProgressLine {
    private let noun: String
    private let enabled = isatty(STDERR_FILENO) == 1
    private var shown = false

    init(noun: String) { self.noun = noun }

    func update(_ count: Int) {
        guard enabled else { return }
        shown = true
        FileHandle.standardError.write(Data("\r\(count) \(noun)…".utf8))
    }

    func finish() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
