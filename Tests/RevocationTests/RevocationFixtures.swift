import BrokerTLS
import CertTools
import ConfigModel
import Foundation
import Logging
import NIOCore
import NIOEmbedded

@testable import Revocation

/// A `cert gen` PKI in memory, and its CA as an issuer of CRLs and OCSP responses.
struct TestCA {
    let files: [String: [UInt8]]
    let issuer: CertificateIssuer
    let server: Certificate

    init() throws {
        files = Dictionary(uniqueKeysWithValues: try PKIBlueprint().build().map { ($0.name, $0.contents) })
        let certificate = try CryptoFile.parse(bytes: files["cacert.pem"]!, path: "cacert.pem").certificates[0]
        let key = try CryptoFile.parse(bytes: files["cakey.pem"]!, path: "cakey.pem").privateKeys[0]
        issuer = try CertificateIssuer(certificate: certificate, key: key)
        server = try CryptoFile.parse(bytes: files["cert.pem"]!, path: "cert.pem").certificates[0]
    }

    var certificate: Certificate { issuer.certificate! }

    func crl(revoking revoked: [Certificate] = [], at now: Date, for validity: TimeInterval = 86400) throws -> CertificateRevocationList {
        try issuer.issueCRL(
            revoked: revoked.map { RevokedCertificate(serialNumber: $0.serialNumber, revocationDate: now, reason: .keyCompromise) },
            number: try .random(), thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(validity))
    }

    var responder: OCSPResponder {
        get throws {
            try OCSPResponder(
                issuer: issuer, database: CADatabase(parsing: String(decoding: files["index.txt"]!, as: UTF8.self), path: "index.txt"))
        }
    }
}

/// An HTTP server in memory: answers GETs from a closure, on the test's embedded loop, and
/// counts them. The real `HTTPFetcher` is covered by the serve tests against Python's server.
final class MemoryHTTP: HTTPGetting, @unchecked Sendable {
    let eventLoop: any EventLoop
    var answer: (HTTPURL) -> HTTPResponse?
    private(set) var requests: [HTTPURL] = []

    init(eventLoop: any EventLoop, answer: @escaping (HTTPURL) -> HTTPResponse? = { _ in nil }) {
        self.eventLoop = eventLoop
        self.answer = answer
    }

    func get(_ url: HTTPURL, accept: String) -> EventLoopFuture<HTTPResponse> {
        requests.append(url)
        guard let response = answer(url) else { return eventLoop.makeFailedFuture(HTTPFetchError("connection refused")) }
        return eventLoop.makeSucceededFuture(response)
    }
}

/// The wall clock of a test: moved with the embedded loop's.
final class TestClock: @unchecked Sendable {
    var date = Date(timeIntervalSince1970: 1_767_225_600)
    let loop = EmbeddedEventLoop()

    func advance(by seconds: Int64) {
        date = date.addingTimeInterval(TimeInterval(seconds))
        loop.advanceTime(by: .seconds(seconds))
    }
}
