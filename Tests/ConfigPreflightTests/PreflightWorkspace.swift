import CertTools
import ConfigModel
import ConfigPreflight
import EmqxTestSupport
import Foundation

/// A working directory laid out as EMQX's install root: `etc/certs` with a PKI made by
/// CertTools at test time, `etc/emqx.conf`, and `data/`. Checks run with it as the working
/// directory, so relative paths in configs behave as they do for EMQX.
struct PreflightWorkspace {
    let folder: TemporaryDirectory

    init(keyAlgorithm: KeyAlgorithm = .ecP256, intermediate: Bool = false) throws {
        folder = try TemporaryDirectory()
        var blueprint = PKIBlueprint()
        blueprint.keyAlgorithm = keyAlgorithm
        blueprint.intermediate = intermediate
        blueprint.serverNames = [.dns("localhost"), .ipAddress("127.0.0.1")]
        for file in try blueprint.build() {
            try folder.write("etc/certs/\(file.name)", String(decoding: file.contents, as: UTF8.self))
        }
    }

    func write(_ name: String, _ text: String) throws { try folder.write(name, text) }

    /// Loads `config` as `etc/emqx.conf` and runs the loader and preflight as `config check` does.
    func check(_ config: String, environment: [String: String] = [:], now: Date = Date()) throws -> [Diagnostic] {
        try folder.write("etc/emqx.conf", config)
        let loaded = ConfigLoader(environment: environment).load(path: folder.file("etc/emqx.conf"))
        guard let model = loaded.config else { return loaded.diagnostics }
        return loaded.diagnostics + Preflight(environment: environment, workingDirectory: folder.path, now: now).run(model)
    }
}

extension [Diagnostic] {
    var errors: [Diagnostic] { filter { $0.severity == .error } }
    var rendered: String { DiagnosticRenderer.render(self) }
    func with(_ code: Diagnostic.Code) -> [Diagnostic] { filter { $0.code == code } }
}
