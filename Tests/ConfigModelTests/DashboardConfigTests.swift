import Testing

@testable import ConfigModel

/// `dashboard`: the admin endpoint's listeners under EMQX's names, off unless written, and a
/// bare port on loopback.
struct DashboardConfigTests {
    func load(_ text: String) -> ConfigLoadResult {
        ConfigLoader(environment: [:]).load(text: text, path: "emqx.conf")
    }

    @Test func offUnlessWritten() throws {
        let config = try #require(load("listeners.tcp.default.bind = 1883\n").config)
        #expect(config.dashboard.listeners.isEmpty)
    }

    @Test func aBarePortBindsLoopback() throws {
        let result = load("dashboard.listeners.http.bind = 18083\n")
        let http = try #require(result.config?.dashboard.http)
        #expect(http.bind.value == BindAddress(address: "127.0.0.1", port: 18083))
        let note = try #require(result.diagnostics.first { $0.code == .dashboardBind })
        #expect(note.severity == .note && note.location?.line == 1, "\(note)")
        #expect(try #require(load("dashboard.listeners.http {}\n").config?.dashboard.http).bind.value.port == 18083)
    }

    @Test func everyInterfaceOnlyWhenWrittenAndPlainHTTPThereIsAWarning() throws {
        let result = load("dashboard.listeners.http.bind = \"0.0.0.0:18083\"\n")
        #expect(result.config?.dashboard.http?.bind.value == BindAddress(address: nil, port: 18083))
        #expect(result.diagnostics.contains { $0.code == .dashboardBind && $0.severity == .warning })
        let loopback = load("dashboard.listeners.http.bind = \"127.0.0.1:18083\"\n")
        #expect(!loopback.diagnostics.contains { $0.code == .dashboardBind })
    }

    @Test func portZeroOrDisabledTurnsAListenerOff() throws {
        #expect(try #require(load("dashboard.listeners.http.bind = 0\n").config).dashboard.http == nil)
        #expect(try #require(load("dashboard.listeners.http { enable = false }\n").config).dashboard.http == nil)
    }

    @Test func httpsHasSSLOptionsWithoutOCSPOrCRLs() throws {
        let result = load(
            """
            dashboard.listeners.https {
              bind = "127.0.0.1:18084"
              ssl_options { certfile = "c.pem", keyfile = "k.pem", enable_crl_check = true }
            }
            """)
        let https = try #require(result.config?.dashboard.https)
        #expect(https.sslOptions?.certfile.value == "c.pem")
        #expect(result.diagnostics.contains { $0.severity == .error && $0.keyPath?.hasSuffix("enable_crl_check") == true })
    }

    @Test func dashboardUsersAreNotAppliedAndSaySo() throws {
        let result = load("dashboard { default_password = \"public\", listeners.http.bind = 18083 }\n")
        let warning = try #require(result.diagnostics.first { $0.keyPath == "dashboard.default_password" })
        #expect(warning.severity == .warning && warning.message.contains("bearer token"), "\(warning)")
        #expect(!warning.message.contains("public"), "the password in a message")
        let typo = load("dashboard.listeners.htp.bind = 18083\n")
        #expect(typo.diagnostics.contains { $0.keyPath == "dashboard.listeners.htp" && $0.severity != .note }, "\(typo.diagnostics)")
    }
}
