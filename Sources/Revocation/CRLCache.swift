package import BrokerTLS
package import CertTools
package import ConfigModel
package import Foundation
package import Logging
package import NIOCore
import Synchronization

/// The CRLs one ssl listener checks client certificates against: those fetched from the http
/// distribution points of the certificates it sees, and those in `crlfile`.
///
/// A CRL is used only once it is signed by a CA the listener trusts (cacertfile) and its
/// thisUpdate has come. Each distribution point is refreshed every `crl_cache.refresh_interval`
/// (at least a minute), with 5 s backoff retries that keep the last good CRL; at most
/// `capacity` points are kept, the oldest dropped first (as EMQX does). `crlfile` is re-read
/// when it changes. Fetches never run inside a handshake: a handshake that meets a point not
/// fetched yet asks for it and waits (`TLSHandler`).
///
/// `@unchecked Sendable`: what it fetches and keeps is confined to the fetcher's event loop;
/// what handshakes on other loops read (`crls(issuerNameDER:)`, `state(of:)`) is a `View`
/// published behind a lock after every change, and `fetch` hops to the fetcher's loop.
package final class CRLCache: CRLSource, @unchecked Sendable {
    private struct Point {
        var crls: [CertificateRevocationList] = []
        var lastError: String?
        var fetching = false
        var waiters: [EventLoopPromise<Void>] = []
        var refresh: Scheduled<Void>?
        var policy: RevocationRefreshPolicy
    }

    private let listenerID: String
    private let acceptance: CRLAcceptancePolicy
    private let settings: CRLCacheConfig
    private let crlfile: String?
    private let fetcher: any HTTPGetting
    private let logger: Logger
    private let now: () -> Date
    private var points: [HTTPURL: Point] = [:]
    private var insertionOrder: [HTTPURL] = []
    private var fileCRLs: [CertificateRevocationList] = []
    private var fileStamp: Date?
    private var fileError: String?
    private var fileWatch: RepeatedTask?
    private var stopped = false
    /// What handshakes read: every usable CRL by the DER of its issuer's name, and what is
    /// known of each distribution point.
    private struct View {
        var byIssuer: [[UInt8]: [CertificateRevocationList]] = [:]
        var points: [HTTPURL: CRLPointState] = [:]
    }

    private let view = Mutex(View())

    /// A CRL is at most a few MB even for large CAs.
    static let maximumCRLSize = 32 << 20

    package init(
        listenerID: String, authorities: [Certificate], settings: CRLCacheConfig, crlfile: String?, eventLoop: any EventLoop,
        logger: Logger, fetcher: (any HTTPGetting)? = nil, now: @escaping () -> Date = Date.init
    ) {
        self.listenerID = listenerID
        self.acceptance = CRLAcceptancePolicy(authorities: authorities)
        self.settings = settings
        self.crlfile = crlfile
        self.fetcher =
            fetcher
            ?? HTTPFetcher(
                eventLoop: eventLoop, timeout: .milliseconds(Int64(settings.httpTimeout.milliseconds)), maximumBodySize: Self.maximumCRLSize
            )
        self.logger = logger
        self.now = now
    }

    /// Loads crlfile and starts watching it (checked every 2 s).
    package func start() {
        guard crlfile != nil else { return }
        reloadFileIfChanged()
        let bound = NIOLoopBound(self, eventLoop: fetcher.eventLoop)
        fileWatch = fetcher.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(2), delay: .seconds(2)) { _ in
            bound.value.reloadFileIfChanged()
        }
    }

    package func stop() {
        stopped = true
        fileWatch?.cancel()
        for point in points.values { point.refresh?.cancel() }
    }

    package func state(of url: HTTPURL) -> CRLPointState { view.withLock { $0.points[url] } ?? .pending }

    package func crls(issuerNameDER: [UInt8]) -> [CertificateRevocationList] { view.withLock { $0.byIssuer[issuerNameDER] } ?? [] }

    private static func state(of point: Point) -> CRLPointState {
        if !point.crls.isEmpty { return .available }
        if let error = point.lastError, !point.fetching { return .unavailable(error) }
        return .pending
    }

    /// Completes once `url` has been fetched (or failed); starts the fetch when none runs.
    package func fetch(_ url: HTTPURL) -> EventLoopFuture<Void> {
        guard fetcher.eventLoop.inEventLoop else { return fetcher.eventLoop.flatSubmit { self.fetch(url) } }
        let promise = fetcher.eventLoop.makePromise(of: Void.self)
        if points[url] == nil {
            points[url] = Point(policy: RevocationRefreshPolicy(interval: TimeInterval(settings.refreshInterval.milliseconds) / 1000))
            insertionOrder.append(url)
            evictBeyondCapacity()
        }
        points[url]?.waiters.append(promise)
        if points[url]?.fetching == false { run(url) }
        return promise.futureResult
    }

    private func run(_ url: HTTPURL) {
        guard !stopped else { return }
        points[url]?.fetching = true
        points[url]?.refresh?.cancel()
        publish()
        let bound = NIOLoopBound(self, eventLoop: fetcher.eventLoop)
        fetcher.get(url, accept: "application/pkix-crl").whenComplete { result in bound.value.received(result, from: url) }
    }

    private func received(_ result: Result<HTTPResponse, any Error>, from url: HTTPURL) {
        guard var point = points[url] else { return }  // evicted meanwhile
        point.fetching = false
        let delay: TimeInterval
        do {
            let reply = try result.get()
            guard reply.status == 200 else { throw HTTPFetchError("the server answered HTTP \(reply.status)") }
            let crls = try usable(try CryptoFile.parse(bytes: reply.body, path: url.description).crls, from: "\(url)")
            let changed = point.crls.map(\.derEncoded) != crls.map(\.derEncoded)
            point.crls = crls
            point.lastError = nil
            delay = point.policy.delayAfterSuccess(nextUpdate: crls.compactMap(\.nextUpdate).min(), now: now())
            if changed { logger.notice("CRL for \(listenerID) from \(url): \(Self.summary(crls))") }
        } catch {
            point.lastError = "\(error)"
            delay = point.policy.delayAfterFailure()
            let keeping = point.crls.isEmpty ? "no CRL from it yet" : "keeping the last good CRL"
            logger.warning("CRL for \(listenerID) from \(url) not updated: \(error); \(keeping); retrying in \(Int(delay)) s")
        }
        let waiters = point.waiters
        point.waiters = []
        let bound = NIOLoopBound(self, eventLoop: fetcher.eventLoop)
        point.refresh = fetcher.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { bound.value.run(url) }
        points[url] = point
        rebuildIndex()
        waiters.forEach { $0.succeed() }
    }

    /// The CRLs `CRLAcceptancePolicy` keeps; throws when none is kept.
    private func usable(_ crls: [CertificateRevocationList], from source: String) throws -> [CertificateRevocationList] {
        guard !crls.isEmpty else { throw HTTPFetchError("\(source) holds no CRL") }
        var kept: [CertificateRevocationList] = []
        var problems: [String] = []
        for crl in crls {
            let verdict = acceptance.evaluate(crl, at: now())
            if verdict.isKept {
                kept.append(crl)
            } else if let problem = CRLAcceptancePolicy.problem(verdict, of: crl) {
                problems.append(problem)
            }
        }
        guard !kept.isEmpty else { throw HTTPFetchError(problems.joined(separator: "; ")) }
        return kept
    }

    private func reloadFileIfChanged() {
        guard let crlfile else { return }
        let stamp = (try? FileManager.default.attributesOfItem(atPath: crlfile))?[.modificationDate] as? Date
        guard stamp != fileStamp else { return }
        fileStamp = stamp
        do {
            fileCRLs = try usable(try CryptoFile.read(path: crlfile).crls, from: crlfile)
            fileError = nil
            logger.notice("CRL for \(listenerID) from \(crlfile): \(Self.summary(fileCRLs))")
        } catch {
            fileError = "\(error)"
            logger.warning("CRL file \(crlfile) for \(listenerID) not loaded: \(error); keeping what it held before")
        }
        rebuildIndex()
    }

    private func evictBeyondCapacity() {
        while insertionOrder.count > max(1, settings.capacity) {
            let oldest = insertionOrder.removeFirst()
            points[oldest]?.refresh?.cancel()
            points[oldest]?.waiters.forEach { $0.succeed() }
            points[oldest] = nil
        }
        publish()
    }

    private func rebuildIndex() {
        var index: [[UInt8]: [CertificateRevocationList]] = [:]
        for crl in fileCRLs + points.values.flatMap(\.crls) { index[crl.issuerNameDER, default: []].append(crl) }
        // Newest first: of equally good CRLs OpenSSL takes the first.
        let byIssuer = index.mapValues { $0.sorted { $0.thisUpdate > $1.thisUpdate } }
        view.withLock { $0.byIssuer = byIssuer }
        publish()
    }

    /// Makes the points' states what handshakes see.
    private func publish() {
        let states = points.mapValues(Self.state(of:))
        view.withLock { $0.points = states }
    }

    /// Each source (crlfile, then each distribution point in the order met) with the CRLs it
    /// holds and its last error: for status and metrics.
    package func sources() -> [CRLSourceState] {
        var sources: [CRLSourceState] = []
        if let crlfile { sources.append(CRLSourceState(source: crlfile, crls: fileCRLs, lastError: fileError)) }
        for url in insertionOrder {
            guard let point = points[url] else { continue }
            sources.append(CRLSourceState(source: "\(url)", crls: point.crls, lastError: point.lastError))
        }
        return sources
    }

    static func summary(_ crls: [CertificateRevocationList]) -> String {
        crls.map { crl in
            let next = crl.nextUpdate.map { ", next update \(UTCDate.time($0))" } ?? ""
            return "\(crl.entries.count) revoked by \(crl.issuer)\(next)"
        }.joined(separator: "; ")
    }
}

/// One place a listener's CRLs come from, as its cache holds it now.
package struct CRLSourceState: Sendable {
    /// crlfile's path, or a distribution point's URL.
    package let source: String
    package let crls: [CertificateRevocationList]
    /// Why the last fetch failed, until one succeeds.
    package let lastError: String?
}
