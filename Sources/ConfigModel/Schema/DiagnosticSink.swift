/// Collects diagnostics while a config is decoded and checked. A class, so every reader of
/// one load shares it.
public final class DiagnosticSink: @unchecked Sendable {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public func add(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    public func add(contentsOf more: [Diagnostic]) { diagnostics += more }

    /// Adds a diagnostic about the value at `keyPath`.
    public func report(
        _ code: Diagnostic.Code,
        _ severity: Diagnostic.Severity,
        _ location: SourceLocation?,
        _ keyPath: String,
        _ message: String,
        hint: String = ""
    ) {
        diagnostics.append(Diagnostic(code, severity, at: location, keyPath: keyPath, message, hint: hint))
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
