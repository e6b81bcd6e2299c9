import Foundation

/// The one way in: reads `emqx.conf` (with its includes and the `EMQX_*` overrides in the
/// environment) into the typed model, collecting every problem on the way.
public struct ConfigLoader: Sendable {
    public var environment: [String: String]
    public var fileSystem: any ConfigFileSystem

    public init(environment: [String: String], fileSystem: any ConfigFileSystem = LocalFileSystem()) {
        self.environment = environment
        self.fileSystem = fileSystem
    }

    /// Loads `path`: parse, resolve, decode, and check values. `config` is nil only when the
    /// main file cannot be read at all.
    public func load(path: String) -> ConfigLoadResult {
        let (tree, syntax) = loadTree(path: path)
        return decode(tree: tree, syntax: syntax, path: path)
    }

    /// Loads `text` as if it were the file `path` (for tests and stdin).
    public func load(text: String, path: String) -> ConfigLoadResult {
        let (tree, syntax) = loadTree(text: text, path: path)
        return decode(tree: tree, syntax: syntax, path: path)
    }

    private func decode(tree: HOCONValue, syntax: [Diagnostic], path: String) -> ConfigLoadResult {
        let sink = DiagnosticSink()
        sink.add(contentsOf: syntax)
        if syntax.contains(where: { $0.code == .configFileMissing }) {
            return ConfigLoadResult(tree: tree, config: nil, diagnostics: sink.diagnostics, ledger: KeyLedger())
        }
        var context = DecodingContext(sink: sink, environment: environment, configDirectory: (path as NSString).deletingLastPathComponent)
        context.fileSystem = fileSystem
        let config = BrokerConfig(tree: tree, file: path, context: context)
        return ConfigLoadResult(tree: tree, config: config, diagnostics: sink.diagnostics, ledger: context.ledger)
    }

    /// The resolved HOCON tree of `path`, and the syntax problems found.
    public func loadTree(path: String) -> (tree: HOCONValue, diagnostics: [Diagnostic]) {
        var resolver = HOCONResolver(fileSystem: fileSystem, environment: environment)
        resolver.load(path: path)
        return finish(&resolver)
    }

    /// The resolved tree of `text`, read as if it were the file `path`.
    public func loadTree(text: String, path: String) -> (tree: HOCONValue, diagnostics: [Diagnostic]) {
        var resolver = HOCONResolver(fileSystem: fileSystem, environment: environment)
        resolver.load(text: text, path: path)
        return finish(&resolver)
    }

    private func finish(_ resolver: inout HOCONResolver) -> (tree: HOCONValue, diagnostics: [Diagnostic]) {
        EnvironmentOverrides.apply(environment, to: &resolver)
        let tree = resolver.resolve()
        return (tree, resolver.diagnostics)
    }
}

/// What loading a config gives: the tree (for `config show`), the typed model, and every
/// diagnostic in the order found.
public struct ConfigLoadResult: Sendable {
    public let tree: HOCONValue
    public let config: BrokerConfig?
    public let diagnostics: [Diagnostic]
    /// The keys the decoder looked for, and whether serve applies them (for AppliedKeysTests).
    let ledger: KeyLedger

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Whether the file did not parse (or could not be read): then the model is what could be
    /// made of it, and checks of the files behind it would only add noise before the real
    /// problem, so they are skipped.
    public var hasSyntaxErrors: Bool {
        diagnostics.contains {
            $0.severity == .error && [.hoconSyntax, .hoconIncludeMissing, .hoconIncludeCycle, .configFileMissing].contains($0.code)
        }
    }
}
