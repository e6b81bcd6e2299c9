import EmqxTestSupport
import Foundation
import Testing

/// `config check --probe` against a real OCSP responder (`cert ocsp-responder`) and a CRL
/// served by python's http.server, and with both down.
@Suite(.serialized) struct ConfigProbeTests {
    @Test func probeReportsTheResponderAndTheCRLAsServeWouldSeeThem() throws {
        let folder = try TemporaryDirectory()
        let crlPort = try Loopback.freePort()
        let ocspPort = try Loopback.freePort()
        try CRLServeTests.makePKI(in: folder, point: crlPort)
        let crl = "verify = verify_peer, fail_if_no_peer_cert = true, enable_crl_check = true"
        try folder.write("emqx.conf", OCSPStaplingServeTests.config(responderPort: ocspPort, sslExtra: crl))

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
