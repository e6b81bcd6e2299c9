import ConfigModel
import Foundation

/// `config check --format json`: the same diagnostics as data, in the renderer's order.
enum DiagnosticJSON {
    private struct Report: Encodable {
        let file: String
        let errors: Int
        let warnings: Int
        let diagnostics: [Entry]
    }

    private struct Entry: Encodable {
        let code: String
        let severity: String
        let file: String?
        let line: Int?
        let column: Int?
        let keyPath: String?
        let message: String
        let hint: String?
    }

    static func encode(_ diagnostics: [Diagnostic], file: String) throws -> String {
        let entries = DiagnosticRenderer.sorted(diagnostics).map { diagnostic in
            Entry(
                code: diagnostic.code.rawValue, severity: diagnostic.severity.rawValue,
                file: diagnostic.location?.file, line: diagnostic.location?.line, column: diagnostic.location?.column,
                keyPath: diagnostic.keyPath, message: diagnostic.message, hint: diagnostic.hint.isEmpty ? nil : diagnostic.hint
            )
        }
        let report = Report(
            file: file, errors: diagnostics.filter { $0.severity == .error }.count,
            warnings: diagnostics.filter { $0.severity == .warning }.count, diagnostics: entries
        )
        return try JSONOutput.encode(report)
    }
}
