import Authentication
import BrokerCore
import BrokerTLS
public import ConfigModel
public import ConfigPreflight
import Foundation
import MQTTCore
import NIOConcurrencyHelpers
import NIOCore

extension BrokerServer {
    /// What a reload did: what now applies to new connections, what needs a restart, and the
    /// connected clients the new trust settings refuse (closed only when `enforced`).
    public struct ReloadReport: Sendable {
        public var applied: [String] = []
        public var needsRestart: [String] = []
        package var refusals: [TrustRefusal] = []
        package var enforced = false
    }

    /// Applies a config that has passed preflight (`material` is what it read) without
    /// dropping anyone on a listener that stays: each listener's new TLS context
    /// (certificates, keys, CA, ciphers, versions; a new stapler or CRL cache where their
    /// settings or certificates changed), access_rules and limits take over for new
    /// connections (on each event loop, in one step there), the authorization rules are swapped (every
    /// session's cache with them), and `mqtt {}` and its identity rules apply to CONNECTs from
    /// then on. A listener added is started, one removed is stopped (its connections closed),
    /// and one whose bind changed is stopped and started on the new address; the others are
    /// untouched. Nothing changes when anything but a moved listener's new bind fails.
    ///
    /// Where a listener's trust in clients changed (verify, fail_if_no_peer_cert, cacertfile's
    /// CAs, crlfile's CRLs), the clients connected to it are judged by the new settings; the
    /// report names those refused. `enforce` judges every listener's clients, changed or not,
    /// and closes those refused (0x87, not authorized, to 5.0).
    public func reload(_ newConfig: BrokerConfig, material: [String: ListenerMaterial], enforce: Bool = false) throws -> ReloadReport {
        var plan = ReloadPlan()
        let wanted = Dictionary(uniqueKeysWithValues: newConfig.servedListeners.map { ($0.id, $0) })
        let rulesBefore = databaseRules.count
        let policy: AuthorizationPolicy
        do {
            try prepare(newConfig, wanted: wanted, material: material, into: &plan)
            policy = try authorizationPolicy(newConfig.authorization)
            // Listeners that are new: bound now, so a port in use refuses the whole reload.
            for listener in newConfig.servedListeners where !listeners.contains(where: { $0.config.id == listener.id }) {
                let (running, kept) = try startListener(listener, material: material[listener.id], mqtt: newConfig.mqtt)
                plan.added.append(running)
                plan.revocation[listener.id] = kept
                plan.trust[listener.id] = TrustSettings(listener, material: material[listener.id], paths: paths)
                plan.report.applied.append("\(listener.id) started on \(running.channel.localAddress?.logDescription ?? "?")")
            }
        } catch {
            // Nothing changes: what this reload started stops again.
            plan.added.forEach { stopListener($0) }
            stop(plan.started.map { (revocation[$0.listenerID] ?? ListenerRevocation()).replacing($0) })
            databaseRules.removeSubrange(rulesBefore...)
            throw error
        }
        plan.report.applied.append("authorization (\(newConfig.authorization.sources.count) sources)")
        try review(plan.kept, trust: plan.trust, enforce: enforce, into: &plan.report)
        let closing = plan.report.enforced ? plan.report.refusals.map(\.connection) : []
        let mqtt = newConfig.mqtt
        for swap in plan.swaps {
            swap.states.admission.apply(maxConnections: swap.listener.maxConnections, maxConnectionRate: swap.listener.maxConnectionRate)
        }
        _ = try loops.withEachPort { [swaps = plan.swaps] port in
            for swap in swaps {
                let state = swap.states.byLoop[port.index].value
                state.tls = swap.tls ?? state.tls
                state.apply(swap.listener)
                state.authentication = swap.authentication
            }
            port.config = mqtt
            port.close(closing, reason: .notAuthorized)
        }.wait()
        try driver.eventLoop.submit { [driver] in
            driver.value.replaceAuthorization(policy)
            driver.value.replaceConfig(mqtt)
        }.wait()
        if newConfig.mqtt != config.mqtt { plan.report.applied.append("mqtt (for new connections)") }
        // The broker core and its state store keep what they started with.
        if newConfig.retainer != running.retainer { plan.report.needsRestart.append("retainer") }
        if newConfig.sessionPersistence != running.sessionPersistence { plan.report.needsRestart.append("session_persistence") }
        // The built_in_database rules the new policy reads refresh; those it replaced stop.
        databaseRules[..<rulesBefore].forEach { $0.stop() }
        databaseRules.removeSubrange(..<rulesBefore)
        databaseRules.forEach { $0.startRefreshing() }
        // The staplers and caches no listener uses any more stop.
        stop(plan.revocation.compactMap { id, new in new.map { $0.replacing(revocation[id]) } })
        for running in listeners where wanted[running.config.id] == nil {
            let closed = stopListener(running)
            plan.report.applied.append("\(running.config.id) stopped (removed; \(closed) connections closed)")
        }
        commit(plan, newConfig: newConfig, material: material, wanted: wanted)
        move(plan.moved, material: material, mqtt: mqtt, into: &plan.report)
        return plan.report
    }

    /// What a reload has prepared before it applies anything.
    private struct ReloadPlan {
        struct Swap {
            let states: ListenerStates
            let listener: ListenerConfig
            let tls: TLSContext?
            let authentication: ListenerAuthentication
        }

        var report = ReloadReport()
        var swaps: [Swap] = []
        /// Listeners that stay, with their new config.
        var kept: [RunningListener] = []
        var added: [RunningListener] = []
        /// Listeners whose bind changed: (running, new config).
        var moved: [(RunningListener, ListenerConfig)] = []
        var trust: [String: TrustSettings] = [:]
        var revocation: [String: ListenerRevocation?] = [:]
        /// Staplers and caches started, to stop again if the reload fails.
        var started: [ListenerRevocation] = []
    }

    /// New TLS contexts (with staplers and CRL caches where they changed), limits and identity
    /// rules for each listener that stays where it is.
    private func prepare(
        _ newConfig: BrokerConfig, wanted: [String: ListenerConfig], material: [String: ListenerMaterial], into plan: inout ReloadPlan
    ) throws {
        for running in listeners {
            guard let new = wanted[running.config.id] else { continue }
            if new.bind.value != running.config.bind.value {
                plan.moved.append((running, new))
                continue
            }
            var tls: TLSContext?
            if let options = new.sslOptions {
                guard let files = material[new.id] else { throw PreflightMissing(listenerID: new.id) }
                let kept = revocation[new.id]
                let renewed = try startRevocation(new.id, options, files, keeping: kept)
                plan.started.append(renewed)
                plan.revocation[new.id] = renewed
                if renewed.staple !== kept?.staple, renewed.staple != nil { plan.report.applied.append("\(new.id) OCSP stapling") }
                if renewed.crls !== kept?.crls, renewed.crls != nil { plan.report.applied.append("\(new.id) CRL checks") }
                tls = try TLSContext.server(options, material: files, psk: pskResolver, staple: renewed.staple, crls: renewed.crls)
                plan.report.applied.append("\(new.id) ssl_options")
            }
            plan.report.applied.append("\(new.id) access_rules and limits")
            plan.swaps.append(
                .init(states: running.states, listener: new, tls: tls, authentication: listenerAuthentication(new, mqtt: newConfig.mqtt)))
            plan.kept.append(RunningListener(config: new, states: running.states, channel: running.channel))
            plan.trust[new.id] = TrustSettings(new, material: material[new.id], paths: paths)
        }
    }

    /// Judges connected clients where a listener's trust changed (every listener's, with
    /// `enforce`).
    private func review(_ kept: [RunningListener], trust newTrust: [String: TrustSettings], enforce: Bool, into report: inout ReloadReport)
        throws
    {
        // Enforcing judges every client by the trust in force, changed now or at an earlier
        // reload that only reported.
        let reviewed = kept.map(\.config).filter { listener in
            newTrust[listener.id].map { enforce || $0 != trust[listener.id] } ?? false
        }
        guard !reviewed.isEmpty else { return }
        let clients = try loops.withEachPort { $0.connectedClients() }.wait().flatMap { $0 }
        let now = Date()
        for listener in reviewed {
            report.refusals += TrustReview.refusals(clients, listener: listener, trust: newTrust[listener.id]!, now: now)
        }
        report.enforced = enforce && !report.refusals.isEmpty
    }

    /// Makes the plan what the server runs.
    private func commit(_ plan: ReloadPlan, newConfig: BrokerConfig, material: [String: ListenerMaterial], wanted: [String: ListenerConfig])
    {
        trust.merge(plan.trust) { $1 }
        let moved = Set(plan.moved.map { $0.0.config.id })
        applying.withLock {
            config = newConfig
            listeners = plan.kept + listeners.filter { moved.contains($0.config.id) } + plan.added
            self.material.merge(material) { $1 }
            for (id, kept) in plan.revocation { revocation[id] = kept }
            for id in revocation.keys where wanted[id] == nil { revocation[id] = nil }
        }
    }

    /// Listeners whose bind changed: stopped, then started on the new address (the old one
    /// may hold the port the new one wants). When the new bind fails, the listener goes back
    /// to its old address and the failure is named as needing a restart.
    private func move(
        _ moved: [(RunningListener, ListenerConfig)], material: [String: ListenerMaterial], mqtt: MQTTConfig,
        into report: inout ReloadReport
    ) {
        for (old, new) in moved {
            let closed = stopListener(old)
            let id = new.id
            do {
                let (running, kept) = try startListener(new, material: material[id], mqtt: mqtt)
                replace(id, with: running, revocation: kept, trust: TrustSettings(new, material: material[id], paths: paths))
                report.applied.append("\(id) moved from \(old.config.bind.value) to \(new.bind.value) (\(closed) connections closed)")
            } catch {
                report.needsRestart.append("\(id) bind \(new.bind.value): \(error)")
                if let (running, kept) = try? startListener(old.config, material: self.material[id], mqtt: mqtt) {
                    replace(id, with: running, revocation: kept, trust: trust[id])
                } else {
                    replace(id, with: nil, revocation: nil, trust: nil)
                }
            }
        }
    }

    private func replace(_ id: String, with running: RunningListener?, revocation kept: ListenerRevocation?, trust settings: TrustSettings?)
    {
        trust[id] = settings
        applying.withLock {
            listeners.removeAll { $0.config.id == id }
            if let running { listeners.append(running) }
            revocation[id] = kept
        }
    }
}
