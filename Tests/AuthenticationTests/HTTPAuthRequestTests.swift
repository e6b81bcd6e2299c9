import ConfigModel
import Foundation
import Testing

@testable import Authentication

/// The request an HTTP authenticator sends, rendered as EMQX renders it (§3.3, §3.6).
@Suite struct HTTPAuthRequestTests {
    static func authenticator(_ text: String) throws -> (HTTPAuthenticatorConfig, BackendURL) {
        let loaded = ConfigLoader(environment: [:]).load(
            text: "authentication = [{\n\(text)\n}]\nlisteners.ssl.default = marked_for_deletion\n", path: "emqx.conf")
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        let authenticator = try #require(loaded.config?.authentication.first)
        guard case .http(let http) = authenticator.backend else { throw HTTPAuthFixtureError() }
        return (http, try #require(http.url))
    }

    struct HTTPAuthFixtureError: Error {}

    /// The spec's worked example: alice from 10.0.0.7 over TCP.
    static let alice: ClientCredentials = {
        ClientCredentials(
            clientID: "c1", username: "alice", password: Array("s3cr3t".utf8), peerHost: "10.0.0.7", peerPort: 51000,
            listener: "tcp:default")
    }()

    static let example = """
        mechanism = password_based, backend = http, method = METHOD
        url = "http://auth.local:8080/mqtt/auth?src=emqx"
        headers { "X-Node" = "emqx1" }
        body { username = "${username}", password = "${password}", clientid = "${clientid}", peerhost = "${peerhost}", cn = "${cert_common_name}" }
        """

    @Test func postSendsTheBodyAsJSONWithTheUserHeadersAndAContentType() throws {
        let (config, url) = try Self.authenticator(Self.example.replacingOccurrences(of: "METHOD", with: "post"))
        let request = HTTPAuthRequest(config, url: url, credentials: Self.alice)
        #expect(request.method == .post)
        #expect(request.target == "/mqtt/auth?src=emqx")
        // A user map replaces the defaults; post re-adds content-type (EMQX's Q6).
        #expect(request.headers.map(\.name) == ["x-node", "content-type"])
        #expect(request.headers.first { $0.name == "content-type" }?.value == "application/json")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"clientid":"c1","cn":"","password":"s3cr3t","peerhost":"10.0.0.7","username":"alice"}"#)
    }

    @Test func getPutsTheBodyPairsInTheQueryAndSendsNoContentType() throws {
        let (config, url) = try Self.authenticator(Self.example.replacingOccurrences(of: "METHOD", with: "get"))
        let request = HTTPAuthRequest(config, url: url, credentials: Self.alice)
        #expect(request.target == "/mqtt/auth?src=emqx&clientid=c1&cn=&password=s3cr3t&peerhost=10.0.0.7&username=alice")
        #expect(request.body.isEmpty)
        #expect(!request.headers.contains { $0.name == "content-type" })
    }

    /// Values are encoded where they land: percent-encoding in the path, form-encoding (space
    /// as +) in the query; a JSON body escapes quotes; `${$}` is a dollar.
    @Test func valuesAreEncodedForWhereTheyGo() throws {
        let (config, url) = try Self.authenticator(
            """
            mechanism = password_based, backend = http, method = post
            url = "http://auth.local/users/${username}/check?id=${clientid}&cost=$${$}5"
            body { "user name" = "${username}", note = "a \\"quoted\\" ${password}" }
            """)
        var credentials = Self.alice
        credentials.username = "al ice/1"
        credentials.clientID = "c 1&x"
        let request = HTTPAuthRequest(config, url: url, credentials: credentials)
        #expect(request.target == "/users/al%20ice%2F1/check?id=c+1%26x&cost=$$5")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"note":"a \"quoted\" s3cr3t","user name":"al ice/1"}"#)
    }

    @Test func formBodyWhenTheContentTypeSaysSoEvenWithAParameter() throws {
        let (config, url) = try Self.authenticator(
            """
            mechanism = password_based, backend = http, method = post, url = "https://auth.local/", ssl.enable = true
            headers { "content-type" = "application/x-www-form-urlencoded; charset=utf-8" }
            body { username = "${username}", password = "${password}" }
            """)
        let request = HTTPAuthRequest(config, url: url, credentials: Self.alice)
        #expect(String(decoding: request.body, as: UTF8.self) == "password=s3cr3t&username=alice")
    }

    @Test func certificatePlaceholdersAreEmptyWithoutACertificate() throws {
        #expect(Self.alice.value(of: "cert_subject") == "")
        #expect(Self.alice.value(of: "cert_pem") == "")
        #expect(Self.alice.value(of: "zone") == "default")
        #expect(Self.alice.value(of: "peerport") == "51000")
    }
}
