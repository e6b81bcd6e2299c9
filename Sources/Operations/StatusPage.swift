import Foundation

/// `GET /`: the status report as one read-only HTML page, server-rendered, with inline CSS
/// and no external assets (it must render on an air-gapped host). Certificates are drawn on a
/// timeline of their validity with today marked. No secrets: the report holds none.
package enum StatusPage {
    package static func render(_ report: StatusReport) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>emqxctl status: \(report.health.rawValue)</title>
            <style>\(style)</style></head>
            <body><main>
            <h1>emqxctl <span id="health" class="badge \(report.health.rawValue)">\(report.health.rawValue)</span></h1>
            <p class="muted">\(escape(summary(report)))</p>

            """
        html += problems(report)
        html += timeline(report)
        html += listeners(report)
        html += revocation(report)
        html += policy(report)
        html += "</main></body></html>\n"
        return html
    }

    private static func summary(_ report: StatusReport) -> String {
        var parts = ["as of \(time(report.generatedAt))"]
        if let started = report.startedAt { parts.append("running since \(time(started))") }
        if let traffic = report.traffic {
            parts.append("\(traffic.connectedClients) clients connected, \(traffic.messagesReceived) messages in")
        }
        return parts.joined(separator: "; ")
    }

    private static func problems(_ report: StatusReport) -> String {
        guard !report.problems.isEmpty else { return "<section id=\"problems\"><p>No problems found.</p></section>\n" }
        let items = report.problems.map { problem in
            "<li class=\"\(problem.severity.rawValue)\"><b>\(problem.severity.rawValue)</b> \(escape(problem.subject)): \(escape(problem.message))</li>"
        }
        return "<section id=\"problems\"><h2>Problems</h2><ul>\(items.joined())</ul></section>\n"
    }

    /// Each certificate as a bar from notBefore to notAfter on one time axis, today a line.
    private static func timeline(_ report: StatusReport) -> String {
        guard !report.certificates.isEmpty else { return "" }
        let now = report.generatedAt
        let start = min(report.certificates.map(\.notBefore).min()!, now)
        let end = max(report.certificates.map(\.notAfter).max()!, now.addingTimeInterval(86400))
        let span = end.timeIntervalSince(start)
        func percent(_ date: Date) -> String { String(format: "%.2f", date.timeIntervalSince(start) / span * 100) }
        var rows = ""
        for certificate in report.certificates {
            let left = percent(certificate.notBefore)
            let width = String(format: "%.2f", certificate.notAfter.timeIntervalSince(certificate.notBefore) / span * 100)
            let state = certificate.notAfter <= now ? "expired" : certificate.daysLeft < 30 ? "soon" : "valid"
            rows += """
                <tr class="cert" data-listener="\(escape(certificate.listener))" data-role="\(certificate.role.rawValue)" \
                data-serial="\(escape(certificate.serial))" data-days-left="\(certificate.daysLeft)">\
                <td>\(escape(certificate.listener))</td><td>\(certificate.role.rawValue)</td>\
                <td title="\(escape(certificate.file))#\(certificate.position)">\(escape(certificate.subject))</td>\
                <td class="num">\(certificate.daysLeft)</td>\
                <td class="axis"><div class="bar \(state)" style="left:\(left)%;width:\(width)%" \
                title="\(day(certificate.notBefore)) to \(day(certificate.notAfter))"></div>\
                <div class="today" style="left:\(percent(now))%"></div></td></tr>

                """
        }
        return """
            <section id="certificates"><h2>Certificates</h2>
            <table><thead><tr><th>listener</th><th>role</th><th>subject</th><th>days left</th>\
            <th class="axis">\(day(start)) <span id="today" data-date="\(day(now))">today \(day(now))</span> \(day(end))</th></tr></thead>
            <tbody>
            \(rows)</tbody></table></section>

            """
    }

    private static func listeners(_ report: StatusReport) -> String {
        var rows = ""
        for listener in report.listeners {
            let tls = listener.tls.map { tls in
                var parts = [tls.versions.joined(separator: ", "), tls.verify]
                if tls.ocspStapling { parts.append("OCSP stapling") }
                if let policy = tls.crlUnavailable { parts.append("CRL check (\(policy))") }
                if tls.psk { parts.append("PSK") }
                return parts.joined(separator: "; ")
            }
            rows += """
                <tr class="listener" data-id="\(escape(listener.id))"><td>\(escape(listener.id))</td><td>\(escape(listener.bind))</td>\
                <td class="num">\(listener.connections.map(String.init) ?? "–")</td>\
                <td class="num">\(listener.handshakes.map(String.init) ?? "–")</td>\
                <td class="num">\(listener.handshakeFailures.map(String.init) ?? "–")</td><td>\(escape(tls ?? "plain TCP"))</td></tr>

                """
        }
        return """
            <section id="listeners"><h2>Listeners</h2>
            <table><thead><tr><th>listener</th><th>bind</th><th>connections</th><th>handshakes</th><th>refused</th><th>TLS</th></tr></thead>
            <tbody>
            \(rows)</tbody></table></section>

            """
    }

    private static func revocation(_ report: StatusReport) -> String {
        guard !report.ocsp.isEmpty || !report.crls.isEmpty else { return "" }
        var rows = ""
        for staple in report.ocsp {
            let next = staple.nextUpdate.map(day) ?? "–"
            let detail = staple.lastError.map { "; last fetch: \($0)" } ?? ""
            rows += """
                <tr class="ocsp" data-state="\(staple.state.rawValue)"><td>\(escape(staple.listener))</td><td>OCSP staple</td>\
                <td>\(staple.state.rawValue)\(escape(detail))</td><td>\(next)</td></tr>

                """
        }
        for crl in report.crls {
            let state = crl.issuer.map { "\(crl.revoked ?? 0) revoked by \($0)" } ?? "no usable CRL: \(crl.lastError ?? "?")"
            rows += """
                <tr class="crl"><td>\(escape(crl.listener))</td><td>CRL \(escape(crl.source))</td>\
                <td>\(escape(state)) (\(crl.policy))</td><td>\(crl.nextUpdate.map(day) ?? "–")</td></tr>

                """
        }
        return """
            <section id="revocation"><h2>Revocation</h2>
            <table><thead><tr><th>listener</th><th>source</th><th>state</th><th>next update</th></tr></thead>
            <tbody>
            \(rows)</tbody></table></section>

            """
    }

    private static func policy(_ report: StatusReport) -> String {
        let policy = report.policy
        let authentication =
            policy.authentication.isEmpty ? "none (anonymous clients allowed)" : policy.authentication.joined(separator: ", ")
        let psk = report.psk.map { "on, \($0.identities.map(String.init) ?? "?") identities" } ?? "off"
        return """
            <section id="policy"><h2>Policy</h2><dl>
            <dt>authentication</dt><dd>\(escape(authentication))</dd>
            <dt>authorization</dt><dd>\(escape(policy.authorizationSources.isEmpty ? "no sources" : policy.authorizationSources.joined(separator: ", "))), then no_match = \(policy.noMatch); deny_action = \(policy.denyAction)</dd>
            <dt>PSK</dt><dd id="psk">\(psk)</dd>
            </dl></section>

            """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func day(_ date: Date) -> String { StatusReport.day(date) }

    private static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    private static let style = """
        body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
        main{max-width:1100px;margin:0 auto;padding:24px}
        h1{font-size:22px}h2{font-size:17px;margin-top:28px}
        .muted{color:#5b6473}
        .badge{padding:2px 10px;border-radius:10px;font-size:14px;color:#fff}
        .badge.ok{background:#23883f}.badge.warning{background:#b7791f}.badge.error{background:#c53030}
        table{border-collapse:collapse;width:100%;background:#fff}
        th,td{border-bottom:1px solid #e3e6eb;padding:6px 8px;text-align:left;vertical-align:middle}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        td.axis,th.axis{position:relative;width:40%}
        th.axis{font-weight:normal;font-size:12px;color:#5b6473}
        #today{font-weight:bold;color:#1d2330}
        .bar{position:absolute;top:50%;margin-top:-6px;height:12px;border-radius:3px}
        .bar.valid{background:#3c9a5f}.bar.soon{background:#d69e2e}.bar.expired{background:#c53030}
        .today{position:absolute;top:0;bottom:0;border-left:2px solid #1d2330}
        li.error{color:#c53030}li.warning{color:#975a16}
        dt{font-weight:bold}dd{margin:0 0 8px 0}
        """
}
