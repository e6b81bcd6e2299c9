import CertTools
import ConfigModel
import Foundation
import Testing

/// Every config block of the seed guide checks clean (warnings allowed, no errors) against a
/// real PKI, as the guide means it.
@Suite struct SeedGuideTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/seed")

    /// A seed block with the guide's `...` elisions removed (they stand for defaults), and
    /// the OCSP and CRL examples' /etc/emqx paths mapped onto etc/certs, as the guide asks.
    static func block(_ name: String) throws -> String {
        let text = try String(contentsOf: folder.appendingPathComponent("\(name).conf"), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.trimmingCharacters(in: .whitespaces) != "..." }
            .joined(separator: "\n")
            .replacingOccurrences(of: "/etc/emqx/certs/server.key", with: "etc/certs/key.pem")
            .replacingOccurrences(of: "/etc/emqx/certs/server.pem", with: "etc/certs/cert.pem")
            .replacingOccurrences(of: "/etc/emqx/certs/ca.pem", with: "etc/certs/cacert.pem")
            .replacingOccurrences(of: "/etc/emqx/certs/ocsp-issuer.pem", with: "etc/certs/cacert.pem")
    }

    @Test(arguments: ["01-tls-authentication", "04-ocsp-stapling", "05-crl-check", "06-ssl-client"])
    func blockChecksClean(_ name: String) throws {
        let workspace = try PreflightWorkspace()
        let diagnostics = try workspace.check(try Self.block(name))
        #expect(diagnostics.errors.isEmpty, "\(diagnostics.rendered)")
    }

    /// The PSK section's three pieces together: psk_authentication, init.psk, and the listener.
    @Test(arguments: [KeyAlgorithm.ecP256, .rsa2048])
    func pskSectionChecksClean(_ algorithm: KeyAlgorithm) throws {
        let workspace = try PreflightWorkspace(keyAlgorithm: algorithm)
        try workspace.write("data/init.psk", try String(contentsOf: Self.folder.appendingPathComponent("init.psk"), encoding: .utf8))
        let config = try Self.block("02-psk-authentication") + "\n" + (try Self.block("03-psk-listener"))
        let diagnostics = try workspace.check(config)
        #expect(diagnostics.errors.isEmpty, "\(diagnostics.rendered)")
        // RC4 is gone from OpenSSL 3: named, not fatal.
        #expect(diagnostics.with(.cipherUnsupported).count == 1, "\(diagnostics.rendered)")
        // RSA-PSK suites need an RSA certificate: six warnings with an EC one, none with RSA.
        #expect(diagnostics.with(.rsaPSKNeedsRSACertificate).count == (algorithm.isRSA ? 0 : 6), "\(diagnostics.rendered)")
    }

    @Test func guideBlocksHaveNoSyntaxProblems() throws {
        for name in [
            "01-tls-authentication", "02-psk-authentication", "03-psk-listener", "04-ocsp-stapling", "05-crl-check", "06-ssl-client",
        ] {
            let loaded = ConfigLoader(environment: [:]).loadTree(text: try Self.block(name), path: "\(name).conf")
            #expect(loaded.diagnostics.isEmpty, "\(name): \(DiagnosticRenderer.render(loaded.diagnostics))")
        }
    }

    /// The copies still match the guide, when the shared folder is beside the repository.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: guidePath)))
    func fixturesMatchTheGuide() throws {
        let guide = try String(contentsOfFile: Self.guidePath, encoding: .utf8)
        for name in [
            "01-tls-authentication", "02-psk-authentication", "03-psk-listener", "04-ocsp-stapling", "05-crl-check", "06-ssl-client",
        ] {
            let copy = try String(contentsOf: Self.folder.appendingPathComponent("\(name).conf"), encoding: .utf8)
            #expect(guide.contains("```hcl\n" + copy + "```"), "\(name) no longer matches the guide")
        }
    }

    static let guidePath = folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/seed/enable-ssl-tls.md").path
}
