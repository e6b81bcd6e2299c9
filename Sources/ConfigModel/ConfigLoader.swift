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
