import CertTools
import ConfigModel
import ConfigPreflight
import Testing

/// Cipher checks against the OpenSSL this process links.
@Suite struct CipherCheckTests {
    func check(_ ciphers: String, versions: String = "[\"tlsv1.2\"]", keyAlgorithm: KeyAlgorithm = .ecP256, psk: Bool = false) throws
        -> [Diagnostic]
    {
        let workspace = try PreflightWorkspace(keyAlgorithm: keyAlgorithm)
        var config = PreflightTests.listener("ciphers = \(ciphers)", versions: versions)
        if psk {
            try workspace.write("data/init.psk", "a:b\n")
            config += "\npsk_authentication { enable = true, init_file = \"data/init.psk\" }"
        }
        return try workspace.check(config)
    }

    @Test func catalogKnowsTheSeedsSuites() {
        let catalog = CipherSuiteCatalog.linked
        #expect(catalog.suite(named: "TLS_AES_128_CCM_8_SHA256")?.isTLS13 == true)
        #expect(catalog.suite(named: "PSK-AES128-GCM-SHA256")?.usesPSK == true)
        #expect(catalog.suite(named: "RSA-PSK-AES128-GCM-SHA256")?.needsRSACertificate == true)
        #expect(catalog.suite(named: "ECDHE-ECDSA-AES128-GCM-SHA256")?.needsECDSACertificate == true)
        #expect(catalog.suite(named: "ECDH-ECDSA-AES128-SHA") == nil)
        #expect(catalog.suite(standardName: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")?.name == "ECDHE-ECDSA-AES128-GCM-SHA256")
    }

    @Test func ecKeyWithOnlyRSASuitesHasNoUsableCipher() throws {
        let diagnostics = try check("\"ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-AES256-GCM-SHA384\"")
        #expect(diagnostics.with(.cipherKeyMismatch).count == 2, "\(diagnostics.rendered)")
        #expect(diagnostics.with(.cipherNoneUsable).count == 1, "\(diagnostics.rendered)")
        let rsa = try check("\"ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-AES256-GCM-SHA384\"", keyAlgorithm: .rsa2048)
        #expect(rsa.errors.isEmpty, "\(rsa.rendered)")
    }

    @Test func unknownNamesGetADidYouMeanAndIANANamesTheirOpenSSLName() throws {
        let diagnostics = try check(
            "[\"ECDHE-ECDSA-AES128-GCM-SHA265\", \"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\", \"ECDHE-ECDSA-AES256-GCM-SHA384\"]")
        let unknown = diagnostics.with(.cipherUnknown).map(\.message)
        #expect(unknown.contains { $0.contains("did you mean ECDHE-ECDSA-AES128-GCM-SHA256") }, "\(diagnostics.rendered)")
        #expect(unknown.contains { $0.contains("OpenSSL call it ECDHE-ECDSA-AES256-GCM-SHA384") }, "\(diagnostics.rendered)")
    }

    @Test func suitesOpenSSL3DroppedAreWarningsWhileOthersRemain() throws {
        let diagnostics = try check("\"ECDH-ECDSA-AES128-SHA,ECDHE-ECDSA-AES128-GCM-SHA256\"")
        #expect(diagnostics.with(.cipherUnsupported).count == 1, "\(diagnostics.rendered)")
        #expect(diagnostics.errors.isEmpty, "\(diagnostics.rendered)")
        let onlyDropped = try check("\"ECDH-ECDSA-AES128-SHA\"")
        #expect(onlyDropped.with(.cipherNoneUsable).count == 1, "\(onlyDropped.rendered)")
    }

    @Test func suitesMustFitTheEnabledVersions() throws {
        let tls13Only = try check("\"TLS_AES_128_GCM_SHA256,ECDHE-ECDSA-AES128-GCM-SHA256\"", versions: "[\"tlsv1.3\"]")
        #expect(tls13Only.with(.cipherVersionMismatch).count == 1, "\(tls13Only.rendered)")
        #expect(tls13Only.errors.isEmpty)
        let tls12Only = try check("\"TLS_AES_128_GCM_SHA256\"")
        #expect(tls12Only.with(.cipherVersionMismatch).count == 1, "\(tls12Only.rendered)")
        #expect(tls12Only.with(.cipherNoneUsable).count == 1, "\(tls12Only.rendered)")
        let gcmOnTLS11 = try check("\"ECDHE-ECDSA-AES128-GCM-SHA256\"", versions: "[\"tlsv1.1\"]")
        #expect(gcmOnTLS11.with(.cipherNoneUsable).count == 1, "\(gcmOnTLS11.rendered)")
    }

    @Test func pskSuitesWithOnlyTLS13AreFlagged() throws {
        let diagnostics = try check("\"PSK-AES128-GCM-SHA256\"", versions: "[\"tlsv1.3\"]", psk: true)
        #expect(diagnostics.with(.pskCipherTLS13Only).count == 1, "\(diagnostics.rendered)")
        let disabled = try check("\"PSK-AES128-GCM-SHA256\"")
        #expect(disabled.with(.cipherNoneUsable).count == 1, "PSK suites without psk_authentication: \(disabled.rendered)")
        let enabled = try check("\"PSK-AES128-GCM-SHA256\"", psk: true)
        #expect(enabled.errors.isEmpty, "\(enabled.rendered)")
    }
}
