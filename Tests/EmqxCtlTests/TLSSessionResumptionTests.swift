import EmqxTestSupport
import Foundation
import Testing

/// Session resumption, seen by `openssl s_client -sess_out` then `-sess_in`: one stateless
/// ticket per handshake by default (EMQX issues none), none with `session_tickets = disabled`,
/// and no resumption at all with `reuse_sessions = false`.
@Suite(.serialized) struct TLSSessionResumptionTests {
    static let config = """
        listeners.tcp.default = marked_for_deletion
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem" }
        }
        listeners.ssl.notickets {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            session_tickets = disabled
          }
        }
        listeners.ssl.noreuse {
          bind = "127.0.0.1:0"
          ssl_options {
            certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
            reuse_sessions = false
          }
        }
        """

    /// An MQTT 3.1.1 CONNECT with a keep-alive of 1 s: the broker answers, then closes the
    /// idle connection after 1.5 s, which ends s_client after any ticket has arrived.
    static let connect = String(decoding: [0x10, 13, 0, 4] + Array("MQTT".utf8) + [4, 2, 0, 1, 0, 1] + Array("r".utf8), as: UTF8.self)

    let broker: ServeHarness
    let ports: [String: UInt16]

    init() throws {
        broker = try ServeHarness(config: Self.config) { folder in
            let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
        }
        ports = try broker.ports(of: ["ssl:default", "ssl:notickets", "ssl:noreuse"])
    }

    /// One connection to `listener`; `session` is the file written (-sess_out) or, when
    /// `resume`, read (-sess_in). Returns s_client's output with its handshake messages.
    func connect(_ listener: String, _ version: String, session: String, resume: Bool = false) throws -> String {
        let outcome = try OpenSSLCLI.run(
            [
                "s_client", "-connect", "127.0.0.1:\(ports[listener]!)", "-CAfile", "etc/certs/cacert.pem",
                "-verify_return_error", version, "-msg", "-ign_eof", resume ? "-sess_in" : "-sess_out", session,
            ],
            in: broker.folder.path, input: Self.connect, timeout: 15)
        #expect(outcome.stdout.contains("Verify return code: 0 (ok)"), "\(listener) \(version): \(outcome)")
        return outcome.stdout
    }

    static func tickets(_ output: String) -> Int {
        output.components(separatedBy: "\n").filter { $0.hasPrefix("<<<") && $0.hasSuffix("NewSessionTicket") }.count
    }

    @Test func tls13ResumesWithTheOneTicketItGetsByDefault() throws {
        let first = try connect("ssl:default", "-tls1_3", session: "default.sess")
        #expect(Self.tickets(first) == 1, "\(first)")
        let second = try connect("ssl:default", "-tls1_3", session: "default.sess", resume: true)
        #expect(second.contains("Reused, TLSv1.3"), "\(second)")

        let plain = try connect("ssl:notickets", "-tls1_3", session: "notickets.sess")
        #expect(Self.tickets(plain) == 0, "\(plain)")
        #expect(!FileManager.default.fileExists(atPath: broker.folder.file("notickets.sess")))
    }

    @Test func tls12ResumesByTicketOrSessionIDExactlyWhenReuseSessionsIsOn() throws {
        let first = try connect("ssl:default", "-tls1_2", session: "reuse.sess")
        #expect(Self.tickets(first) == 1, "\(first)")
        let resumed = try connect("ssl:default", "-tls1_2", session: "reuse.sess", resume: true)
        #expect(resumed.contains("Reused, TLSv1.2"), "\(resumed)")

        // From the session cache, by session ID, as EMQX: no ticket.
        let cached = try connect("ssl:notickets", "-tls1_2", session: "cached.sess")
        #expect(Self.tickets(cached) == 0, "\(cached)")
        let fromCache = try connect("ssl:notickets", "-tls1_2", session: "cached.sess", resume: true)
        #expect(fromCache.contains("Reused, TLSv1.2"), "\(fromCache)")

        // No session ID and no ticket: s_client has nothing to resume with, so writes no file.
        let unresumable = try connect("ssl:noreuse", "-tls1_2", session: "noreuse.sess")
        #expect(Self.tickets(unresumable) == 0, "\(unresumable)")
        #expect(!FileManager.default.fileExists(atPath: broker.folder.file("noreuse.sess")), "\(unresumable)")
    }
}
