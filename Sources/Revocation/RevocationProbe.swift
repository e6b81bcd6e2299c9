import CertTools
public import ConfigModel
public import ConfigPreflight
public import Foundation
import NIOCore
import NIOPosix

/// `config check --probe`: asks each stapling listener's OCSP responder for its first
/// response, and fetches the CRLs that CRL-checking listeners will meet, so users see the
/// state before they deploy. Each answer goes through the same checks `serve` applies.
///
/// The CRL points probed are those named by the listener's own chain (certfile) and by
/// cacertfile: the clients' certificates are not known yet, and a CA that writes a point
/// into its server certificate usually writes the same one into its clients'.
public struct RevocationProbe: Sendable {
    public var now: Date

    public init(now: Date = Date()) {
        self.now = now
    }

    /// Probes every served listener whose files preflight could read (`material`, by
    /// listener id); the others have their errors already.
    public func run(_ config: BrokerConfig, material: [String: ListenerMaterial]) -> [Diagnostic] {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        var diagnostics: [Diagnostic] = []
        for listener in config.servedListeners {
            guard let ssl = listener.sslOptions, let files = material[listener.id] else { continue }
            if let ocsp = ssl.ocsp, ocsp.enableOCSPStapling {
                diagnostics.append(probeOCSP(listener, ocsp, files, loop: loop))
            }
            if ssl.enableCRLCheck && ssl.verify == .verifyPeer {
                diagnostics += probeCRLs(listener, ssl, files, timeout: config.crlCache.httpTimeout, loop: loop)
            }
        }
        return diagnostics
    }

    private func probeOCSP(_ listener: ListenerConfig, _ ocsp: OCSPConfig, _ files: ListenerMaterial, loop: any EventLoop) -> Diagnostic {
        let keyPath = "\(listener.keyPath).ssl_options.ocsp.responder_url"
        let location = ocsp.responderURL?.location ?? ocsp.location
        func failed(_ why: String) -> Diagnostic {
            Diagnostic(
                .probeOCSP, .warning, at: location, keyPath: keyPath, "\(listener.id) would serve without a staple (fail open): \(why)",
                hint: "check that the responder runs and answers for issuer_pem's CA (emqxctl cert ocsp-responder serves a cert gen CA)")
        }
        guard let responder = ocsp.responderURL, let url = HTTPURL(responder.value), let issuer = files.ocspIssuer else {
            return failed("no usable responder_url or issuer_pem")
        }
        do {
            let certificate = files.chain[0]
            let request = try OCSPRequest(certificate: certificate, issuer: issuer)
            let fetcher = HTTPFetcher(
                eventLoop: loop, timeout: .milliseconds(Int64(ocsp.refreshHTTPTimeout.milliseconds)),
                maximumBodySize: OCSPStapler.maximumResponseSize)
            let reply = try fetcher.get(
                url.appendingPathComponent(OCSPStapler.urlEncoded(request.der)), accept: "application/ocsp-response"
            )
            .wait()
            guard reply.status == 200 else { return failed("\(url) answered HTTP \(reply.status)") }
            let status = try OCSPResponse(der: reply.body).check(for: certificate, issuer: issuer, at: now)
            let validity = status.nextUpdate.map { ", valid until \(UTCDate.time($0))" } ?? ""
            let state = OCSPStapler.describe(status.state)
            let severity: Diagnostic.Severity = status.state == .good ? .note : .error
            return Diagnostic(
                .probeOCSP, severity, at: location, keyPath: keyPath,
                "\(url) says \(certificate.subject) is \(state)\(validity): \(listener.id) would staple it",
                hint: severity == .error ? "clients that check the staple will refuse this certificate; replace it" : "")
        } catch {
            return failed("\(error)")
        }
    }

    private func probeCRLs(
        _ listener: ListenerConfig, _ ssl: SSLOptions, _ files: ListenerMaterial, timeout: ConfigDuration, loop: any EventLoop
    ) -> [Diagnostic] {
        let keyPath = "\(listener.keyPath).ssl_options.enable_crl_check"
        let chain = files.chain
        let authorities = files.authorities
        var seen = Set<HTTPURL>()
        let points = (chain + authorities).flatMap(\.crlDistributionPoints).compactMap(HTTPURL.init).filter { seen.insert($0).inserted }
        guard !points.isEmpty else {
            return [
                Diagnostic(
                    .probeCRL, .note, at: ssl.location(of: "enable_crl_check"), keyPath: keyPath,
                    "no CRL distribution point in certfile or cacertfile to probe; \(listener.id) fetches those its clients' certificates name, on first use"
                )
            ]
        }
        let fetcher = HTTPFetcher(
            eventLoop: loop, timeout: .milliseconds(Int64(timeout.milliseconds)), maximumBodySize: CRLCache.maximumCRLSize)
        // What serve's CRL cache would keep, by the same rule; an expired CRL counts as none.
        let acceptance = CRLAcceptancePolicy(authorities: authorities)
        return points.map { url in
            do {
                let reply = try fetcher.get(url, accept: "application/pkix-crl").wait()
                guard reply.status == 200 else { throw HTTPFetchError("the server answered HTTP \(reply.status)") }
                let crls = try CryptoFile.parse(bytes: reply.body, path: "\(url)").crls
                guard !crls.isEmpty else { throw HTTPFetchError("it holds no CRL") }
                for crl in crls {
                    let verdict = acceptance.evaluate(crl, at: now)
                    switch verdict {
                    case .usable, .issuerNotTrusted: continue
                    case .wrongSignature, .notYetValid, .expired:
                        throw HTTPFetchError(CRLAcceptancePolicy.problem(verdict, of: crl) ?? "the CRL of \(crl.issuer) is not usable")
                    }
                }
                return Diagnostic(
                    .probeCRL, .note, at: ssl.location(of: "enable_crl_check"), keyPath: keyPath, "\(url): \(CRLCache.summary(crls))")
            } catch {
                let outcome =
                    ssl.crlUnavailable == .failClosed
                    ? "clients whose certificates name it would be refused (crl_unavailable = fail_closed)"
                    : "clients whose certificates name it would be accepted unchecked (crl_unavailable = fail_open)"
                return Diagnostic(
                    .probeCRL, ssl.crlUnavailable == .failClosed ? .error : .warning, at: ssl.location(of: "enable_crl_check"),
                    keyPath: keyPath,
                    "\(url): \(error); \(outcome)", hint: "publish the CRL there (emqxctl cert crl writes one for a cert gen CA)")
            }
        }
    }
}
