import EmqxTestSupport
import Foundation
import Testing

/// `config check --probe` against a real OCSP responder (`cert ocsp-responder`) and a CRL
/// served by python's http.server, and with both down.
@Suite(.serialized) struct ConfigProbeTests {
    static func config(ocspPort: UInt16) -> String {
        """
        listeners.tcp.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true
            ocsp { enable_ocsp_stapling = true, issuer_pem = "etc/certs/cacert.pem", responder_url = "http://127.0.0.1:\(ocspPort)" }
          }
        }
        """
    }

    @Test func probeReportsTheResponderAndTheCRLAsServeWouldSeeThem() throws {
        let folder = try TemporaryDirectory()
        let crlPort = try Loopback.freePort()
        let ocspPort = try Loopback.freePort()
        try CRLServeTests.makePKI(in: folder, point: crlPort)
        try folder.write("emqx.conf", Self.config(ocspPort: ocspPort))

        let down = try Emqxctl.run(["config", "check", "emqx.conf", "--probe"], in: folder.path)
        #expect(down.status == 2, "\(down)")
        #expect(down.stdout.contains("error[probe-crl]") && down.stdout.contains("connection refused"), "\(down)")
        #expect(down.stdout.contains("(crl_unavailable = fail_closed)"))
        #expect(down.stdout.contains("warning[probe-ocsp]") && down.stdout.contains("would serve without a staple (fail open)"))

        let http = try CRLServeTests.startCRLServer(in: folder, port: crlPort)
        defer { _ = http.stop() }
        let responder = try Subprocess(Emqxctl.binary, ["cert", "ocsp-responder", "--port", "\(ocspPort)"], workingDirectory: folder.path)
            .start()
        defer { _ = responder.stop() }
        #expect(Loopback.waitUntilListening(port: ocspPort))
        let up = try Emqxctl.run(["config", "check", "emqx.conf", "--probe"], in: folder.path)
        #expect(up.status == 0, "\(up)")
        #expect(up.stdout.contains("note[probe-crl]") && up.stdout.contains("/crl.pem: 1 revoked by CN=emqxctl Root CA"), "\(up)")
        #expect(up.stdout.contains("note[probe-ocsp]") && up.stdout.contains("is good, valid until"), "\(up)")

        // Without --probe nothing goes on the network.
        let offline = try Emqxctl.run(["config", "check", "emqx.conf"], in: folder.path)
        #expect(offline.status == 0 && !offline.stdout.contains("probe-"), "\(offline)")
    }
}
