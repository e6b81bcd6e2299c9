import Foundation

/// What decoding needs besides the tree: the environment (for `${EMQX_ETC_DIR}`-style paths)
/// and where the config file lives.
struct DecodingContext {
    let sink: DiagnosticSink
    let environment: [String: String]
    /// The folder of the main config file: `${EMQX_ETC_DIR}` when the environment does not set it.
    let configDirectory: String
    /// How files the config names are read (acl.conf), as includes are.
    var fileSystem: any ConfigFileSystem = LocalFileSystem()
    /// The keys looked for, and whether serve applies them.
    let ledger = KeyLedger()

    /// Expands a leading `${VAR}` or `$VAR` in a path, as EMQX does for certificate paths.
    /// `EMQX_ETC_DIR` falls back to the config file's folder and `EMQX_DATA_DIR` to `data`; any
    /// other unset variable leaves the path as written, with a warning.
    func expandPath(_ path: Located<String>) -> Located<String> {
        let text = path.value.trimmingWhitespace
        guard text.hasPrefix("$") else { return Located(text, at: path.location, keyPath: path.keyPath) }
        let name: String
        let rest: Substring
        if text.hasPrefix("${"), let close = text.firstIndex(of: "}") {
            name = String(text[text.index(text.startIndex, offsetBy: 2)..<close])
            rest = text[text.index(after: close)...]
        } else {
            let body = text.dropFirst()
            let variable = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            name = String(variable)
            rest = body.dropFirst(variable.count)
        }
        let fallbacks = ["EMQX_ETC_DIR": configDirectory.isEmpty ? "." : configDirectory, "EMQX_DATA_DIR": "data", "EMQX_LOG_DIR": "log"]
        guard let value = environment[name].flatMap({ $0.isEmpty ? nil : $0 }) ?? fallbacks[name] else {
            sink.report(
                .pathVariableUnset, .warning, path.location, path.keyPath,
                "the environment variable \(name) is not set, so the path is used as written: \(text)",
                hint: "set \(name), or write the path out"
            )
            return Located(text, at: path.location, keyPath: path.keyPath)
        }
        return Located(value + rest, at: path.location, keyPath: path.keyPath)
    }
}
