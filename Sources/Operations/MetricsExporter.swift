package import BrokerRuntime
import ConfigModel
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// `GET /metrics`: a server snapshot and its status as Prometheus text, through swift-metrics
/// with swift-prometheus behind it.
///
/// The broker counts in plain integers on its event loop (nothing shared on the hot path);
/// each scrape reads them in one snapshot and moves the counters by what changed since the
/// last. Gauges whose series went away (a renewed certificate's old serial) are removed.
/// Names follow EMQX where it has one (`emqx_cert_expiry_at`, `emqx_messages_received`, …);
/// the TLS detail EMQX lacks is `emqxctl_*`.
package final class MetricsExporter: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let state = Mutex(State())

    private struct Series: Hashable {
        let name: String
        let labels: [String]
    }

    private struct State {
        var counters: [Series: (counter: CoreMetrics.Counter, value: Int)] = [:]
        var gauges: [Series: CoreMetrics.Gauge] = [:]
    }

    package init() {}

    /// One scrape: the exposition text.
    package func exposition(_ snapshot: ServerSnapshot, _ report: StatusReport) -> [UInt8] {
        let factory = PrometheusMetricsFactory(registry: registry)
        state.withLock { state in
            var scrape = Scrape(state: state, factory: factory)
            scrape.record(snapshot, report)
            state = scrape.finish()
        }
        return registry.emitToBuffer()
    }

    private struct Scrape {
        var state: State
        let factory: PrometheusMetricsFactory
        var seen = Set<Series>()

        mutating func record(_ snapshot: ServerSnapshot, _ report: StatusReport) {
            gauge("emqx_connections_count", [], snapshot.connectedClients)
            gauge("emqx_sessions_count", [], snapshot.sessions)
            counter("emqx_messages_received", [], snapshot.messagesReceived)
            counter("emqx_messages_delivered", [], snapshot.messagesDelivered)
            counter("emqx_messages_dropped", [], snapshot.dropsQueueFull + snapshot.dropsQoS0NotQueued + snapshot.dropsTooLarge)
            counter("emqx_delivery_dropped_queue_full", [], snapshot.dropsQueueFull)
            counter("emqx_delivery_dropped_qos0_msg", [], snapshot.dropsQoS0NotQueued)
            counter("emqx_delivery_dropped_too_large", [], snapshot.dropsTooLarge)
            counter("emqx_bytes_received", [], snapshot.listeners.reduce(0) { $0 + $1.bytesReceived })
            counter("emqx_bytes_sent", [], snapshot.listeners.reduce(0) { $0 + $1.bytesSent })
            gauge("emqxctl_uptime_seconds", [], Int(snapshot.takenAt.timeIntervalSince(snapshot.startedAt)))
            if let psk = snapshot.pskIdentities { gauge("emqxctl_psk_identities", [], psk) }
            for listener in snapshot.listeners {
                let labels = Self.labels(listener.config.id)
                gauge("emqxctl_listener_connections", labels, listener.connections)
                counter("emqxctl_connections_refused_total", labels + [("reason", "access_rules")], listener.deniedByAccessRules)
                counter("emqxctl_connections_refused_total", labels + [("reason", "max_connections")], listener.shedByCapacity)
                counter("emqxctl_connections_refused_total", labels + [("reason", "max_conn_rate")], listener.shedByRate)
                guard listener.config.sslOptions != nil else { continue }
                counter("emqxctl_tls_handshakes_total", labels, listener.handshakes)
                for (cause, count) in listener.handshakeFailures.byCause {
                    counter("emqxctl_tls_handshake_failures_total", labels + [("reason", cause)], count)
                }
            }
            for certificate in report.certificates {
                let labels =
                    Self.labels(certificate.listener) + [
                        ("role", certificate.role.rawValue), ("file", certificate.file), ("position", "\(certificate.position)"),
                        ("subject", certificate.subject), ("serial", certificate.serial),
                    ]
                gauge("emqx_cert_expiry_at", labels, Int(certificate.notAfter.timeIntervalSince1970))
            }
            for staple in report.ocsp {
                let labels = Self.labels(staple.listener)
                gauge("emqxctl_ocsp_staple_served", labels, staple.state == .good || staple.state == .revoked ? 1 : 0)
                if let age = staple.ageSeconds { gauge("emqxctl_ocsp_staple_age_seconds", labels, age) }
                if let next = staple.nextUpdate { gauge("emqxctl_ocsp_staple_next_update", labels, Int(next.timeIntervalSince1970)) }
            }
            for crl in report.crls {
                let labels = Self.labels(crl.listener) + [("source", crl.source), ("issuer", crl.issuer ?? "")]
                gauge("emqxctl_crl_usable", labels, crl.issuer == nil ? 0 : 1)
                if let next = crl.nextUpdate { gauge("emqxctl_crl_next_update", labels, Int(next.timeIntervalSince1970)) }
            }
        }

        /// EMQX's listener labels: `ssl:default` is type ssl, name default.
        static func labels(_ listenerID: String) -> [(String, String)] {
            let parts = listenerID.split(separator: ":", maxSplits: 1).map(String.init)
            return [("listener_type", parts.first ?? listenerID), ("listener_name", parts.count > 1 ? parts[1] : "")]
        }

        private mutating func counter(_ name: String, _ labels: [(String, String)], _ total: Int) {
            let series = Series(name: name, labels: labels.flatMap { [$0.0, $0.1] })
            seen.insert(series)
            if let (counter, last) = state.counters[series] {
                if total > last { counter.increment(by: total - last) }
                state.counters[series] = (counter, max(total, last))
            } else {
                let counter = CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
                counter.increment(by: total)
                state.counters[series] = (counter, total)
            }
        }

        private mutating func gauge(_ name: String, _ labels: [(String, String)], _ value: Int) {
            let series = Series(name: name, labels: labels.flatMap { [$0.0, $0.1] })
            seen.insert(series)
            let gauge = state.gauges[series] ?? CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
            gauge.record(value)
            state.gauges[series] = gauge
        }

        /// The state to keep: gauges not seen in this scrape leave the registry.
        consuming func finish() -> State {
            for (series, gauge) in state.gauges where !seen.contains(series) {
                gauge.destroy()
                state.gauges[series] = nil
            }
            return state
        }
    }
}
