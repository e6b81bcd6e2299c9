package import BrokerTLS
package import CertTools
package import ConfigModel
package import Foundation
package import Logging
package import NIOCore

/// Keeps one ssl listener's OCSP staple fresh.
///
/// The first fetch runs as the listener starts; then `RevocationRefreshPolicy` says when. Every
/// response is checked (`OCSPResponse.check`) before it replaces the staple; a failed fetch
/// or check keeps the last good response until its nextUpdate, and after that handshakes go
/// on without a staple (fail open). Fetches never run inside a handshake. Confined to the
/// broker's event loop, like the `OCSPStaple` it writes.
package final class OCSPStapler {
    private let listenerID: String
    private let certificate: Certificate
    private let issuer: Certificate
    private let requestURL: HTTPURL
    private let staple: OCSPStaple
    private let fetcher: any HTTPGetting
    private let logger: Logger
    private let now: () -> Date
    private var policy: RevocationRefreshPolicy
    private var next: Scheduled<Void>?
    private var expiry: Scheduled<Void>?
    private var lastState: OCSPCertificateStatus.State?
    private var stopped = false

    /// An OCSP response is a few kB; anything much larger is not one.
    static let maximumResponseSize = 1 << 20

    package init(
        listenerID: String, certificate: Certificate, issuer: Certificate, responder: HTTPURL, refreshInterval: TimeInterval,
        timeout: TimeAmount, staple: OCSPStaple, eventLoop: any EventLoop, logger: Logger, fetcher: (any HTTPGetting)? = nil,
        now: @escaping () -> Date = Date.init
    ) throws {
        self.listenerID = listenerID
        self.certificate = certificate
        self.issuer = issuer
        // RFC 6960 appendix A.1: GET {url}/{url-encoded base64 of the DER request}. (EMQX
        // appends it without the "/", which only works for a responder at the root.)
        let request = try OCSPRequest(certificate: certificate, issuer: issuer)
        self.requestURL = responder.appendingPathComponent(Self.urlEncoded(request.der))
        self.staple = staple
        self.fetcher = fetcher ?? HTTPFetcher(eventLoop: eventLoop, timeout: timeout, maximumBodySize: Self.maximumResponseSize)
        self.logger = logger
        self.now = now
        self.policy = RevocationRefreshPolicy(interval: refreshInterval)
    }

    package func start() { fetch() }

    package func stop() {
        stopped = true
        next?.cancel()
        expiry?.cancel()
    }

    private func fetch() {
        let bound = NIOLoopBound(self, eventLoop: fetcher.eventLoop)
        fetcher.get(requestURL, accept: "application/ocsp-response").whenComplete { result in
            bound.value.received(result)
        }
    }

    private func received(_ result: Result<HTTPResponse, any Error>) {
        guard !stopped else { return }
        do {
            let reply = try result.get()
            guard reply.status == 200 else { throw HTTPFetchError("the responder answered HTTP \(reply.status)") }
            let response = try OCSPResponse(der: reply.body)
            let status = try response.check(for: certificate, issuer: issuer, at: now())
            accept(response.der, status)
            schedule(after: policy.delayAfterSuccess(nextUpdate: status.nextUpdate, now: now()))
        } catch {
            let retry = policy.delayAfterFailure()
            staple.update { $0.lastError = "\(error)" }
            let keeping =
                staple.der == nil
                ? "handshakes go on without a staple (fail open)" : "the last good response stays stapled until its nextUpdate"
            logger.warning(
                "OCSP response for \(listenerID) not updated: \(error); \(keeping); retrying in \(Int(retry)) s",
                metadata: ["responder": "\(requestURL.hostHeader)"])
            schedule(after: retry)
        }
    }

    private func accept(_ der: [UInt8], _ status: OCSPCertificateStatus) {
        let fetchedAt = now()
        staple.update { $0 = OCSPStaple.State(der: der, status: status, fetchedAt: fetchedAt, lastError: nil) }
        let validity = status.nextUpdate.map { "until \(UTCDate.time($0))" } ?? "with no nextUpdate"
        let line = "OCSP staple for \(listenerID): \(Self.describe(status.state)), valid \(validity)"
        if lastState != status.state {
            if case .revoked = status.state { logger.warning("\(line)") } else { logger.notice("\(line)") }
        } else {
            logger.debug("\(line)")
        }
        lastState = status.state
        expiry?.cancel()
        expiry = nil
        guard let nextUpdate = status.nextUpdate else { return }
        let bound = NIOLoopBound(self, eventLoop: fetcher.eventLoop)
        let remaining = max(0, nextUpdate.timeIntervalSince(now()))
        expiry = fetcher.eventLoop.scheduleTask(in: .milliseconds(Int64(remaining * 1000))) { bound.value.expired(der) }
    }

    /// The response reached its nextUpdate without a replacement: stop stapling it.
    private func expired(_ der: [UInt8]) {
        guard staple.der == der else { return }
        staple.update {
            $0.der = nil; $0.status = nil; $0.fetchedAt = nil
        }
        lastState = nil
        logger.warning("OCSP staple for \(listenerID) expired (nextUpdate passed with no fresh response); handshakes go on without one")
    }

    private func schedule(after seconds: TimeInterval) {
        guard !stopped else { return }
        let bound = NIOLoopBound(self, eventLoop: fetcher.eventLoop)
        next = fetcher.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) { bound.value.fetch() }
    }

    static func describe(_ state: OCSPCertificateStatus.State) -> String {
        switch state {
        case .good: "good"
        case .revoked(let date, let reason): "REVOKED since \(UTCDate.time(date))" + (reason.map { " (\($0.rawValue))" } ?? "")
        }
    }

    /// Base64, with the three characters that are not URL-safe percent-encoded.
    static func urlEncoded(_ der: [UInt8]) -> String {
        Data(der).base64EncodedString().replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2F")
            .replacingOccurrences(of: "=", with: "%3D")
    }
}
