import EmqxTestSupport
import Foundation
import Testing

/// A listener's `tcp_options`, `access_rules` and `dhfile` as serve applies them, seen from
/// real sockets (Clients/listener_sockets.py, `ss`), mosquitto_pub and openssl s_client.
@Suite(.serialized) struct TCPOptionsServeTests {
    static let config = """
        listeners.tcp.default {
          bind = "127.0.0.1:0"
          tcp_options { recbuf = 32KB, sndbuf = 32KB, keepalive = "60,10,3", nolinger = true }
        }
        listeners.tcp.plain.bind = "127.0.0.1:0"
        listeners.tcp.stall {
          bind = "127.0.0.1:0"
          tcp_options { send_timeout = 1s, high_watermark = 64KB, sndbuf = 16KB }
        }
        listeners.tcp.denied { bind = "127.0.0.1:0", access_rules = ["allow 10.0.0.0/8", "deny all"] }
        listeners.tcp.allowed { bind = "127.0.0.1:0", access_rules = ["allow 127.0.0.1", "deny all"] }
        listeners.ssl.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        """

    static func check(_ name: String, _ ports: [UInt16]) throws -> Subprocess.Outcome {
        let script = ServeTests.clients.appendingPathComponent("listener_sockets.py").path
        return try Subprocess("python3", [script, name] + ports.map(String.init)).run(timeout: 60)
    }

    @Test func socketOptionsLingerAndSendTimeout() throws {
        let broker = try ServeHarness(config: Self.config)
        let ports = try broker.ports(of: ["tcp:default", "tcp:plain", "tcp:stall"])
        let options = try Self.check("socket-options", [ports["tcp:default"]!, ports["tcp:plain"]!])
        #expect(options.stdout == "socket-options: ok\n", "\(options)")
        let reset = try Self.check("nolinger", [ports["tcp:default"]!])
        #expect(reset.stdout == "nolinger: ok\n", "\(reset)")
        let fin = try Self.check("linger", [ports["tcp:plain"]!])
        #expect(fin.stdout == "linger: ok\n", "\(fin)")
        let stalled = try Self.check("send-timeout", [ports["tcp:stall"]!])
        #expect(stalled.stdout == "send-timeout: ok\n", "\(stalled)")
        let line = broker.process.stderr.split(separator: "\n").first { $0.contains("nothing could be sent for tcp_options.send_timeout") }
        #expect(line?.contains("client=stalled listener=tcp:stall peer=127.0.0.1:") == true, "\(broker.process.stderr)")
    }

    @Test func accessRulesAreCheckedAtAccept() throws {
        let broker = try ServeHarness(config: Self.config)
        let ports = try broker.ports(of: ["tcp:denied", "tcp:allowed"])
        let closed = try Self.check("denied", [ports["tcp:denied"]!])
        #expect(closed.stdout == "denied: ok\n", "\(closed)")
        let refused = try Subprocess("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(ports["tcp:denied"]!)", "-t", "t", "-m", "x"]).run(
            timeout: 15)
        #expect(refused.status != 0, "\(refused)")
        let allowed = try Subprocess("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(ports["tcp:allowed"]!)", "-t", "t", "-m", "x"]).run(
            timeout: 15)
        #expect(allowed.status == 0, "\(allowed)")
        #expect(
            broker.process.stderr.contains("connection refused on tcp:denied by its access rule \"deny all\""), "\(broker.process.stderr)")
    }

    /// dhfile sets the group of DHE suites; without it OpenSSL picks one as strong as the key.
    @Test func dhfileSetsTheDHEGroup() throws {
        let config = """
            listeners.tcp.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            listeners.ssl.default {
              bind = "127.0.0.1:0"
              ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem", dhfile = "etc/certs/dh.pem" }
            }
            listeners.ssl.auto {
              bind = "127.0.0.1:0"
              ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem" }
            }
            """
        let broker = try ServeHarness(config: config) { folder in
            let generated = try Emqxctl.run(["cert", "gen", "--key-type", "rsa-2048", "--out", folder.file("etc/certs")])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
            let dh = try OpenSSLCLI.run(
                ["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe3072", "-out", "etc/certs/dh.pem"], in: folder.path)
            guard dh.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(dh)") }
        }
        let ports = try broker.ports(of: ["ssl:default", "ssl:auto"])
        func serverTempKey(_ port: UInt16) throws -> String {
            let outcome = try OpenSSLCLI.run(
                [
                    "s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256", "-CAfile",
                    "etc/certs/cacert.pem",
                ],
                in: broker.folder.path, timeout: 15)
            return outcome.stdout.split(separator: "\n").first { $0.hasPrefix("Server Temp Key:") }.map(String.init) ?? "\(outcome)"
        }
        #expect(try serverTempKey(ports["ssl:default"]!) == "Server Temp Key: DH, 3072 bits")
        #expect(try serverTempKey(ports["ssl:auto"]!) == "Server Temp Key: DH, 2048 bits")
    }
}
