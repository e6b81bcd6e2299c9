package import BrokerRuntime
package import Foundation
package import NIOCore

/// The admin endpoint's requests and answers, without sockets: `AdminHTTPHandler` feeds it
/// what arrived and writes what it returns.
///
/// - `GET /`: the status page.
/// - `GET /metrics`: Prometheus text.
/// - `GET /api/v5/status`: the status report in JSON (`?warn_days=N`, default 30).
/// - `POST /api/v5/reload`: a reload (`?enforce=true` closes the connected clients the new
///   trust settings refuse); needs `Authorization: Bearer <token>`.
package struct AdminRoutes: Sendable {
    package struct Response: Sendable, Equatable {
        package var status: Int
        package var contentType: String
        package var body: [UInt8]

        init(_ status: Int, _ contentType: String, _ body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        static func json(_ status: Int, _ value: some Encodable) -> Response {
            let body = (try? StatusReport.encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)
            return Response(status, "application/json", body + [UInt8(ascii: "\n")])
        }

        static func error(_ status: Int, _ message: String) -> Response {
            json(status, ["error": message])
        }
    }

    /// Reads the running server in one step.
    package let snapshot: @Sendable () -> EventLoopFuture<ServerSnapshot>
    /// Runs a reload (one at a time, with SIGHUP's); true to enforce.
    package let reload: @Sendable (Bool) -> EventLoopFuture<ReloadOutcome>
    /// The bearer token changes need.
    package let token: String
    package let metrics = MetricsExporter()
    package var now: @Sendable () -> Date = Date.init

    package init(
        token: String, snapshot: @escaping @Sendable () -> EventLoopFuture<ServerSnapshot>,
        reload: @escaping @Sendable (Bool) -> EventLoopFuture<ReloadOutcome>
    ) {
        self.token = token
        self.snapshot = snapshot
        self.reload = reload
    }

    package func respond(method: String, uri: String, authorization: String?, on loop: any EventLoop) -> EventLoopFuture<Response> {
        let (path, query) = Self.split(uri)
        switch (method, path) {
        case ("GET", "/"), ("HEAD", "/"):
            return report(query, on: loop).map { Response(200, "text/html; charset=utf-8", Array(StatusPage.render($0).utf8)) }
        case ("GET", "/metrics"), ("HEAD", "/metrics"):
            let metrics = self.metrics
            return snapshot().hop(to: loop).map { snapshot in
                Response(
                    200, "text/plain; version=0.0.4; charset=utf-8",
                    metrics.exposition(snapshot, Self.evaluated(StatusReport(snapshot: snapshot), warnDays: 30)))
            }
        case ("GET", "/api/v5/status"), ("HEAD", "/api/v5/status"):
            guard query["warn_days"].map({ Int($0) != nil }) ?? true else {
                return loop.makeSucceededFuture(.error(400, "warn_days must be a whole number of days"))
            }
            return report(query, on: loop).map { .json(200, $0) }
        case ("POST", "/api/v5/reload"):
            guard Self.bearer(authorization).map(isToken) ?? false else {
                return loop.makeSucceededFuture(.error(401, "a reload needs Authorization: Bearer <the token in data/admin.token>"))
            }
            return reload(query["enforce"] == "true").hop(to: loop).map { .json($0.result == .applied ? 200 : 400, $0) }
        case (_, "/"), (_, "/metrics"), (_, "/api/v5/status"), (_, "/api/v5/reload"):
            return loop.makeSucceededFuture(.error(405, "\(method) is not allowed on \(path)"))
        default:
            return loop.makeSucceededFuture(.error(404, "no such endpoint: \(path) (try /, /metrics, /api/v5/status)"))
        }
    }

    /// The report, built on `loop` (the admin endpoint's), not the broker's.
    private func report(_ query: [String: String], on loop: any EventLoop) -> EventLoopFuture<StatusReport> {
        let warnDays = query["warn_days"].flatMap { Int($0) } ?? 30
        return snapshot().hop(to: loop).map { Self.evaluated(StatusReport(snapshot: $0), warnDays: warnDays) }
    }

    static func evaluated(_ report: StatusReport, warnDays: Int) -> StatusReport {
        var report = report
        report.evaluate(warnDays: warnDays, now: report.generatedAt)
        return report
    }

    /// Compares in time that does not depend on where the first difference is.
    private func isToken(_ offered: String) -> Bool {
        let (a, b) = (Array(offered.utf8), Array(token.utf8))
        guard a.count == b.count, !b.isEmpty else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func bearer(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return nil }
        return header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
    }

    /// The path and its query parameters (no percent-decoding: the values are numbers).
    static func split(_ uri: String) -> (path: String, query: [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            query[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return (String(uri[..<mark]), query)
    }
}
