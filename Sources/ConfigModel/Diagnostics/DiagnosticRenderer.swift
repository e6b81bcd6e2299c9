/// Renders diagnostics as stable text: sorted by place, then severity, then code, so that the
/// same config always gives byte-identical output (golden files, CI diffs).
///
///     emqx.conf:12:27: error[tls-version-unknown]: listeners.ssl.default.ssl_options.versions: "tlsv1.4" is not a TLS version
///       hint: use tlsv1.3, tlsv1.2, tlsv1.1 or tlsv1
public enum DiagnosticRenderer {
    public static func render(_ diagnostics: [Diagnostic]) -> String {
        sorted(diagnostics).map(render).joined()
    }

    public static func render(_ diagnostic: Diagnostic) -> String {
        var line = ""
        if let location = diagnostic.location { line += "\(location): " }
        line += "\(diagnostic.severity.rawValue)[\(diagnostic.code)]: "
        if let keyPath = diagnostic.keyPath, !keyPath.isEmpty { line += "\(keyPath): " }
        line += "\(diagnostic.message)\n"
        if !diagnostic.hint.isEmpty { line += "  hint: \(diagnostic.hint)\n" }
        return line
    }

    /// The order `render` uses: located before unlocated, then by place, severity and code.
    public static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.sorted { lhs, rhs in
            switch (lhs.location, rhs.location) {
            case (let l?, let r?) where l != r: return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            default: break
            }
            if lhs.severity != rhs.severity { return lhs.severity < rhs.severity }
            if lhs.code != rhs.code { return lhs.code.rawValue < rhs.code.rawValue }
            return lhs.message < rhs.message
        }
    }

    /// "2 errors, 1 warning", for the last line of `config check`.
    public static func summary(_ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "\(count(errors, "error")), \(count(warnings, "warning"))"
    }
}
