import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import Operations

/// The admin endpoint's routing and token check, without sockets or a broker.
struct AdminRoutesTests {
    struct NoBroker: Error {}

    let loop = EmbeddedEventLoop()
    var routes: AdminRoutes {
        let loop = self.loop
        return AdminRoutes(
            token: "secret-token", snapshot: { loop.makeFailedFuture(NoBroker()) },
            reload: { enforce in
                var outcome = ReloadOutcome(result: .applied, applied: ["ssl:default ssl_options"])
                outcome.enforced = enforce
                return loop.makeSucceededFuture(outcome)
            })
    }

    func respond(_ method: String, _ uri: String, authorization: String? = nil) throws -> AdminRoutes.Response {
        let future = routes.respond(method: method, uri: uri, authorization: authorization, on: loop)
        loop.run()
        return try future.wait()
    }

    @Test func reloadNeedsTheBearerToken() throws {
        #expect(try respond("POST", "/api/v5/reload").status == 401)
        #expect(try respond("POST", "/api/v5/reload", authorization: "Bearer wrong-token!").status == 401)
        #expect(try respond("POST", "/api/v5/reload", authorization: "Basic secret-token").status == 401)
        #expect(try respond("POST", "/api/v5/reload", authorization: "Bearer secret-tokenX").status == 401)
        let applied = try respond("POST", "/api/v5/reload", authorization: "bearer secret-token")
        #expect(applied.status == 200)
        #expect(String(decoding: applied.body, as: UTF8.self).contains("\"result\" : \"applied\""))
        let enforced = try respond("POST", "/api/v5/reload?enforce=true", authorization: "Bearer secret-token")
        #expect(String(decoding: enforced.body, as: UTF8.self).contains("\"enforced\" : true"))
        let refused = try respond("POST", "/api/v5/reload")
        #expect(!String(decoding: refused.body, as: UTF8.self).contains("secret-token"), "the token in an answer")
    }

    @Test func unknownPathsAndMethods() throws {
        #expect(try respond("GET", "/api/v5/clients").status == 404)
        #expect(try respond("PUT", "/metrics").status == 405)
        #expect(try respond("GET", "/api/v5/reload").status == 405)
        #expect(try respond("GET", "/api/v5/status?warn_days=soon").status == 400)
    }

    @Test func splitsTheQuery() {
        let (path, query) = AdminRoutes.split("/api/v5/status?warn_days=14&x")
        #expect(path == "/api/v5/status")
        #expect(query == ["warn_days": "14", "x": ""])
    }

    @Test func statusPageEscapesWhatItShows() {
        var report = StatusReport(source: .files, generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        report.listeners = [.init(id: "ssl:<script>", bind: "0.0.0.0:8883")]
        report.problems = [.init(severity: .warning, subject: "a&b", message: "\"quoted\" <b>")]
        report.health = .warning
        let html = StatusPage.render(report)
        #expect(!html.contains("<script>"))
        #expect(html.contains("ssl:&lt;script&gt;") && html.contains("a&amp;b") && html.contains("&quot;quoted&quot; &lt;b&gt;"))
        #expect(!html.contains("http://") && !html.contains("https://"), "an external asset")
    }
}
