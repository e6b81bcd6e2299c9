import Testing

@testable import ConfigModel

/// `authentication` as EMQX reads it, and where emqxctl is stricter (its quirks Q5, Q10).
@Suite struct AuthenticationConfigTests {
    func load(_ text: String) -> ConfigLoadResult {
        ConfigLoader(environment: [:]).load(text: text + "\nlisteners.ssl.default = marked_for_deletion\n", path: "emqx.conf")
    }

    func codes(_ result: ConfigLoadResult, _ severity: Diagnostic.Severity = .error) -> [Diagnostic.Code] {
        result.diagnostics.filter { $0.severity == severity }.map(\.code)
    }

    @Test func aSingleObjectIsAChainOfOneAndListenersHaveTheirOwn() throws {
        let result = load(
            """
            authentication { mechanism = password_based, backend = built_in_database }
            listeners.tcp.default {
              enable_authn = quick_deny_anonymous
              authentication = [
                { mechanism = password_based, backend = http, method = get, url = "http://127.0.0.1:8080/auth" }
                { mechanism = password_based, backend = built_in_database, user_id_type = clientid, enable = false }
              ]
            }
            """)
        #expect(codes(result).isEmpty, "\(result.diagnostics)")
        let config = try #require(result.config)
        #expect(config.authentication.map(\.id) == ["password_based:built_in_database"])
        let listener = try #require(config.listener("tcp:default"))
        #expect(listener.enableAuthn == .quickDenyAnonymous)
        #expect(listener.authentication.map(\.id) == ["password_based:http", "password_based:built_in_database"])
        #expect(listener.authentication.map(\.enable) == [true, false])
    }

    @Test func duplicateIDsAndBackendsServeCannotRunAreErrors() {
        let duplicate = load(
            """
            authentication = [
              { mechanism = password_based, backend = built_in_database }
              { mechanism = password_based, backend = built_in_database }
            ]
            """)
        #expect(codes(duplicate) == [.authenticatorInvalid])
        #expect(codes(load("authentication = [{ mechanism = jwt, from = password }]")) == [.authenticatorInvalid])
        // Disabled, it is only a note: nothing is let in or kept out by it.
        #expect(codes(load("authentication = [{ mechanism = jwt, enable = false }]")).isEmpty)
    }

    /// The guide's block, as written (mechanism and method elided): warnings, not errors.
    @Test func theGuidesBlockChecksWithWarnings() {
        let result = load(
            """
            authentication {
              url = "https://127.0.0.1:8080"
              backend = "http"
              ssl { enable = true, cacertfile = "etc/certs/cacert.pem", verify = verify_peer }
            }
            """)
        #expect(codes(result).isEmpty, "\(result.diagnostics)")
        #expect(codes(result, .warning) == [.authenticatorInvalid, .authenticatorInvalid])
    }

    @Test func httpBackendMistakes() {
        // An https url needs ssl.enable (EMQX refuses the pair).
        #expect(
            codes(load(#"authentication { mechanism = password_based, backend = http, method = post, url = "https://a" }"#)) == [
                .authenticationURL
            ])
        #expect(
            codes(load(#"authentication { mechanism = password_based, backend = http, method = post, url = "ftp://a" }"#)) == [
                .authenticationURL
            ])
        #expect(
            codes(load(#"authentication { mechanism = password_based, backend = http, method = post, url = "http://u:p@a/" }"#)) == [
                .authenticationURL
            ])
        #expect(
            codes(load(#"authentication { mechanism = password_based, backend = http, method = post, url = "http://a/#f" }"#)) == [
                .authenticationURL
            ])
        #expect(codes(load(#"authentication { mechanism = password_based, backend = http, method = post }"#)) == [.authenticationURL])
        // Beyond EMQX (Q10): an unknown placeholder is an error, not a literal.
        let unknown = load(
            #"authentication { mechanism = password_based, backend = http, method = post, url = "http://a/${user}", body { x = "${passwd}" } }"#
        )
        #expect(codes(unknown) == [.placeholderUnknown, .placeholderUnknown])
        #expect(unknown.diagnostics.contains { $0.message.contains("${passwd}") })
        // A content-type with a parameter is fine (EMQX's Q5 crashes); one that cannot be encoded is not.
        #expect(
            codes(
                load(
                    #"authentication { mechanism = password_based, backend = http, method = post, url = "http://a", headers { content-type = "application/json; charset=utf-8" } }"#
                )
            ).isEmpty)
        #expect(
            codes(
                load(
                    #"authentication { mechanism = password_based, backend = http, method = post, url = "http://a", headers { content-type = "text/plain" } }"#
                )) == [.authenticatorInvalid])
    }

    @Test func passwordHashRules() throws {
        #expect(
            codes(
                load(
                    "authentication { mechanism = password_based, backend = built_in_database, password_hash_algorithm { name = pbkdf2, mac_fun = md5, iterations = 10 } }"
                )) == [.passwordHashInvalid])
        #expect(
            codes(
                load(
                    "authentication { mechanism = password_based, backend = built_in_database, password_hash_algorithm { name = pbkdf2 } }")
            ) == [.passwordHashInvalid, .passwordHashInvalid])
        // bcrypt's salt_rounds is clamped to 5..10, as EMQX clamps it, with a warning.
        let clamped = load(
            "authentication { mechanism = password_based, backend = built_in_database, password_hash_algorithm { name = bcrypt, salt_rounds = 12 } }"
        )
        #expect(codes(clamped).isEmpty && codes(clamped, .warning) == [.passwordHashInvalid])
        guard case .builtInDatabase(let database) = try #require(clamped.config?.authentication.first).backend else {
            Issue.record("not a database")
            return
        }
        #expect(database.passwordHash.saltRounds == 10)
        // salt_position belongs to the simple hashes only.
        #expect(
            codes(
                load(
                    "authentication { mechanism = password_based, backend = built_in_database, password_hash_algorithm { name = bcrypt, salt_position = prefix } }"
                )) == [.unknownKey])
    }

    @Test func identityOptions() throws {
        let config = try #require(
            load("mqtt { peer_cert_as_clientid = cn, peer_cert_as_username = md5, psk_identity_as_username = true }").config)
        #expect(config.mqtt.peerCertAsClientID == .cn && config.mqtt.peerCertAsUsername == .md5 && config.mqtt.pskIdentityAsUsername)
        #expect(codes(load("mqtt.peer_cert_as_clientid = subject")) == [.invalidValue])
    }
}
