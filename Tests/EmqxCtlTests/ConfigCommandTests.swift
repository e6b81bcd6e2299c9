import EmqxTestSupport
import Foundation
import Testing

/// `config check` and `config show` as users run them: the built binary, a PKI from
/// `cert gen`, and the repository's examples.
@Suite struct ConfigCommandTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory()
        let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
        try #require(generated.status == 0, "\(generated)")
    }

    @Test(arguments: ["ssl-default", "verify-peer", "psk", "ocsp", "crl", "authentication", "emqx"])
    func everyExampleChecksClean(_ name: String) throws {
        try FileManager.default.copyItem(at: Self.examples, to: URL(fileURLWithPath: folder.file("examples")))
        let outcome = try Emqxctl.run(["config", "check", "examples/\(name).conf"], in: folder.path)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr.contains("0 errors"), "\(outcome)")
    }

    /// What `config show` prints of an example checks exactly as the example does.
    @Test(arguments: ["ssl-default", "verify-peer", "psk", "ocsp", "crl", "authentication", "emqx"])
    func everyExampleRoundTripsThroughShow(_ name: String) throws {
        try FileManager.default.copyItem(at: Self.examples, to: URL(fileURLWithPath: folder.file("examples")))
        func problems(_ file: String) throws -> [String] {
            let outcome = try Emqxctl.run(["config", "check", "--quiet", "--format", "json", file], in: folder.path)
            let report = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
            let diagnostics = report?["diagnostics"] as? [[String: Any]] ?? []
            return diagnostics.map { "\($0["severity"] ?? "") \($0["code"] ?? "") \($0["keyPath"] ?? "")" }.sorted()
        }
        let shown = try Emqxctl.run(["config", "show", "examples/\(name).conf"], in: folder.path)
        #expect(shown.status == 0, "\(shown)")
        try folder.write("examples/\(name)-shown.conf", shown.stdout)
        #expect(try problems("examples/\(name)-shown.conf") == problems("examples/\(name).conf"), "\(shown.stdout)")
    }

    @Test func errorsExitTwoWithCompilerStyleLines() throws {
        try folder.write(
            "etc/emqx.conf",
            """
            listeners.ssl.default {
              bind = 0.0.0.0:8883
              ssl_options.versions = ["tlsv1.3", "tlsv1.1"]
              ssl_options.verfy = verify_peer
            }
            """
        )
        let outcome = try Emqxctl.run(["config", "check"], in: folder.path)
        #expect(outcome.status == 2, "\(outcome)")
        let lines = outcome.stdout.split(separator: "\n").filter { !$0.hasPrefix("  ") }
        #expect(lines.contains { $0.hasPrefix("etc/emqx.conf:2:17: error[hocon-syntax]: ") }, "\(outcome)")
        #expect(lines.contains { $0.hasPrefix("etc/emqx.conf:3:26: error[tls-versions-gap]: ") }, "\(outcome)")
        #expect(
            lines.contains { $0.hasPrefix("etc/emqx.conf:4:15: error[unknown-key]: ") && $0.contains("did you mean \"verify\"") },
            "\(outcome)")
        #expect(outcome.stderr.contains("etc/emqx.conf: 3 errors"), "\(outcome)")
    }

    @Test func jsonCarriesTheSameDiagnostics() throws {
        try folder.write("etc/emqx.conf", "listeners.tcp.default.bind = \"localhost:1883\"\n")
        let outcome = try Emqxctl.run(["config", "check", "--format", "json"], in: folder.path)
        #expect(outcome.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(report["errors"] as? Int == 1)
        let first = try #require((report["diagnostics"] as? [[String: Any]])?.first)
        #expect(first["code"] as? String == "bind-invalid")
        #expect(first["line"] as? Int == 1)
        #expect(first["column"] as? Int == 30)
        #expect(first["keyPath"] as? String == "listeners.tcp.default.bind")
    }

    /// init_file goes through the import's own line checks, read only: what serve would
    /// refuse or warn about at start-up, config check says first.
    @Test func theInitFileIsCheckedAsServeWouldImportIt() throws {
        try folder.write("bad.psk", "a:plain-secret\nno separator\n")
        try folder.write("hexy.psk", "a:8c701116e9127c57a99d5563709af3de\n")
        for (file, code) in [("bad.psk", "error[psk-init-file]"), ("hexy.psk", "warning[psk-init-file]")] {
            try folder.write(
                "psk.conf", "psk_authentication { enable = true, init_file = \"\(file)\" }\nlisteners.ssl.default = marked_for_deletion\n")
            let outcome = try Emqxctl.run(["config", "check", "psk.conf"], in: folder.path)
            #expect(outcome.stdout.contains(code), "\(outcome)")
            #expect(!outcome.stdout.contains("plain-secret") && !outcome.stdout.contains("8c701116"), "a secret in the output: \(outcome)")
            #expect(!FileManager.default.fileExists(atPath: folder.file("data/psk.db")), "nothing written")
        }
        let warned = try Emqxctl.run(["config", "check", "psk.conf"], in: folder.path)  // hexy.psk: a warning only
        #expect(warned.status == 0, "\(warned)")
    }

    /// Empty arrays print as [] (Foundation on Linux puts a blank line inside).
    @Test func jsonOutputWritesEmptyArraysCompactly() throws {
        try folder.write("clean.conf", "listeners.tcp.default.bind = 1883\nlisteners.ssl.default = marked_for_deletion\n")
        let outcome = try Emqxctl.run(["config", "check", "--quiet", "--format", "json", "clean.conf"], in: folder.path)
        #expect(outcome.stdout.contains("\"diagnostics\" : []"), "\(outcome)")
    }

    @Test func missingConfigFileIsAnError() throws {
        let outcome = try Emqxctl.run(["config", "check", "nowhere.conf"], in: folder.path)
        #expect(outcome.status == 2)
        #expect(outcome.stdout.contains("error[config-file-missing]: the config file nowhere.conf does not exist"), "\(outcome)")
    }

    /// A file that does not parse reports its syntax errors, not the files behind a model it
    /// could not build (the default certificate paths, say).
    @Test func aSyntaxErrorIsReportedAlone() throws {
        try folder.write("broken.conf", "listeners.ssl.default {\n  bind = 8883\n")
        let outcome = try Emqxctl.run(["config", "check", "broken.conf"], in: folder.path)
        #expect(outcome.status == 2)
        #expect(outcome.stdout.contains("error[hocon-syntax]"), "\(outcome)")
        #expect(!outcome.stdout.contains("file-missing"), "\(outcome)")
        let serve = try Emqxctl.run(["serve", "--config", "broken.conf"], in: folder.path, timeout: 20)
        #expect(serve.status == 2, "\(serve)")
        #expect(!serve.stderr.contains("file-missing"), "\(serve)")
    }

    @Test func environmentOverridesApplyUnlessTurnedOff() throws {
        try folder.write("etc/emqx.conf", "listeners.tcp.default.bind = 1883\n")
        let override = ["EMQX_LISTENERS__TCP__DEFAULT__BIND": "\"localhost:1\""]
        let applied = try Emqxctl.run(["config", "check"], in: folder.path, environment: override)
        #expect(applied.status == 2)
        #expect(applied.stdout.contains("env EMQX_LISTENERS__TCP__DEFAULT__BIND:1:1: error[bind-invalid]"), "\(applied)")
        let ignored = try Emqxctl.run(["config", "check", "--no-env"], in: folder.path, environment: override)
        #expect(ignored.status == 0, "\(ignored)")
    }

    @Test func showPrintsDefaultsAndRedactsSecrets() throws {
        try folder.write(
            "etc/emqx.conf",
            """
            node.cookie = "do-not-print-me"
            listeners.ssl.default.ssl_options.password = "also-secret"
            listeners.ssl.default.ssl_options.keyfile = "etc/certs/key.pem"
            authentication = [{
              mechanism = password_based, backend = http, method = post, url = "https://auth.example.com/mqtt", ssl.enable = true
              headers { authorization = "Bearer header-secret-1", "x-api-key" = "header-secret-2", accept = "application/json" }
            }]
            authorization.sources = [{ type = http, enable = false, url = "https://acl.example.com", headers { "x-custom" = "header-secret-3" } }]
            bridges.mqtt.cloud { server = "cloud:8883", api_key = "key-secret-4", secret_key = "key-secret-5" }
            """
        )
        let outcome = try Emqxctl.run(["config", "show"], in: folder.path)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(!outcome.stdout.contains("do-not-print-me"))
        #expect(!outcome.stdout.contains("also-secret"))
        for secret in ["header-secret-1", "header-secret-2", "header-secret-3", "key-secret-4", "key-secret-5"] {
            #expect(!outcome.stdout.contains(secret), "\(secret) printed: \(outcome.stdout)")
        }
        #expect(outcome.stdout.contains("keyfile = \"etc/certs/key.pem\""), "a path is not a secret")
        #expect(outcome.stdout.contains("url = \"https://auth.example.com/mqtt\""))
        #expect(outcome.stdout.contains("password = \"******\""))
        #expect(outcome.stdout.contains("bind = \"0.0.0.0:8883\""))
        #expect(outcome.stdout.contains("versions = [\"tlsv1.3\", \"tlsv1.2\"]"))
        // What show prints is itself a config that loads without errors.
        try folder.write("shown.conf", outcome.stdout)
        let reparsed = try Emqxctl.run(["config", "check", "--no-env", "shown.conf"], in: folder.path)
        #expect(!reparsed.stdout.contains("error["), "\(reparsed)")
    }
}
