import EmqxTestSupport
import Foundation
import Testing

/// `proxy_protocol = true` against raw headers and haproxy (send-proxy, send-proxy-v2, TLS
/// passthrough, TLS termination with send-proxy-v2-ssl-cn): the real client address reaches
/// access rules, logs and authorization, health checks work, and bad headers are refused.
@Suite(.serialized) struct ProxyProtocolServeTests {
    static let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients")

    static func raw(_ arguments: [String]) throws -> String {
        try Subprocess("python3", [clients.appendingPathComponent("proxy_clients.py").path] + arguments).run(timeout: 30).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func rawHeadersAndTheRealAddress() throws {
        let broker = try ServeHarness(
            config: """
                listeners.tcp.default {
                  bind = "127.0.0.1:0", proxy_protocol = true, proxy_protocol_timeout = 1s
                  access_rules = ["deny 10.9.8.7", "allow all"]
                }
                listeners.ssl.default = marked_for_deletion
                listeners.ws.default = marked_for_deletion
                listeners.wss.default = marked_for_deletion
                """)
        let port = "\(broker.port)"
        #expect(try Self.raw(["v1", port, "10.9.8.6"]) == "connack 0")
        #expect(try Self.raw(["v2", port, "10.9.8.6"]) == "connack 0")
        // Beyond EMQX: the rules see the address the header gives, not the proxy's.
        #expect(try Self.raw(["v1", port, "10.9.8.7"]).hasPrefix("closed"))
        #expect(try Self.raw(["v2", port, "10.9.8.7"]).hasPrefix("closed"))
        #expect(broker.process.stderr.contains("peer=10.9.8.7"), "the log names the real client")
        // No header: refused; a header that stalls: closed at proxy_protocol_timeout; one that
        // claims 65,535 bytes: refused at once.
        #expect(try Self.raw(["none", port]).hasPrefix("closed"))
        let stalled = try Self.raw(["stall", port, "100", "10"])
        let seconds = Double(stalled.split(separator: " ")[2]) ?? 0
        #expect(stalled.hasPrefix("closed") && seconds >= 0.9 && seconds < 3, "\(stalled)")
        let oversized = try Self.raw(["stall", port, "65535", "10"])
        #expect(oversized.hasPrefix("closed") && (Double(oversized.split(separator: " ")[2]) ?? 9) < 0.9, "\(oversized)")
        #expect(broker.process.stderr.contains("within proxy_protocol_timeout"))
        #expect(broker.process.stderr.contains("PROXY v2 header of 65551 bytes"))
    }

    /// access_rules over IPv4 and IPv6 loopback, on a dual-stack listener.
    @Test func accessRulesOverIPv4AndIPv6() throws {
        let broker = try ServeHarness(
            config: """
                listeners.tcp.default { bind = "[::]:0", access_rules = ["deny ::1", "allow all"] }
                listeners.tcp.harness { bind = "127.0.0.1:0" }
                listeners.tcp.v4 { bind = "[::]:0", access_rules = ["deny 127.0.0.1", "allow all"] }
                listeners.ssl.default = marked_for_deletion
                listeners.ws.default = marked_for_deletion
                listeners.wss.default = marked_for_deletion
                """)
        let ports = try Self.ports(broker, ["tcp:default", "tcp:v4"])
        #expect(try Self.raw(["direct", "\(ports[0])", "::1"]).hasPrefix("closed"))
        #expect(try Self.raw(["direct", "\(ports[0])", "127.0.0.1"]) == "connack 0")
        #expect(try Self.raw(["direct", "\(ports[1])", "127.0.0.1"]).hasPrefix("closed"))
        #expect(try Self.raw(["direct", "\(ports[1])", "::1"]) == "connack 0")
    }

    /// Listener ports from "Listener tcp:x on [::]:PORT started." lines.
    static func ports(_ broker: ServeHarness, _ names: [String]) throws -> [UInt16] {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let log = broker.process.stderr
            let found = names.compactMap { name -> UInt16? in
                guard let range = log.range(of: "Listener \(name) on "), let colon = log[range.upperBound...].range(of: "]:") else {
                    return nil
                }
                return UInt16(log[colon.upperBound...].prefix { $0.isNumber })
            }
            if found.count == names.count { return found }
            usleep(20_000)
        }
        throw ServeHarness.HarnessFailure(description: broker.process.stderr)
    }
}

/// haproxy in front of serve: send-proxy and send-proxy-v2 (with health checks) to the tcp
/// listener, TLS passthrough with send-proxy-v2 to the ssl listener, and haproxy terminating
/// TLS (client certificates required) with send-proxy-v2-ssl-cn to the tcp listener.
@Suite(.serialized) struct HAProxyServeTests {
    static let clients = ProxyProtocolServeTests.clients

    final class HAProxy {
        let process: Subprocess.Running
        let ports: [String: UInt16]

        init(in folder: TemporaryDirectory, tcp: UInt16, ssl: UInt16) throws {
            var ports: [String: UInt16] = [:]
            for name in ["v1", "v2", "pass", "term"] { ports[name] = try Loopback.freePort() }
            self.ports = ports
            let certs = folder.file("etc/certs")
            let combined =
                try String(contentsOfFile: "\(certs)/cert.pem", encoding: .utf8)
                + (try String(contentsOfFile: "\(certs)/key.pem", encoding: .utf8))
            try folder.write("haproxy.pem", combined)
            try folder.write(
                "haproxy.cfg",
                """
                defaults
                  mode tcp
                  timeout connect 5s
                  timeout client 30s
                  timeout server 30s
                frontend v1
                  bind 127.0.0.1:\(ports["v1"]!)
                  default_backend b_v1
                backend b_v1
                  server s 127.0.0.1:\(tcp) send-proxy check check-send-proxy inter 300 fall 2
                frontend v2
                  bind 127.0.0.1:\(ports["v2"]!)
                  default_backend b_v2
                backend b_v2
                  server s 127.0.0.1:\(tcp) send-proxy-v2 check check-send-proxy inter 300 fall 2
                frontend pass
                  bind 127.0.0.1:\(ports["pass"]!)
                  default_backend b_pass
                backend b_pass
                  server s 127.0.0.1:\(ssl) send-proxy-v2
                frontend term
                  bind 127.0.0.1:\(ports["term"]!) ssl crt \(folder.file("haproxy.pem")) ca-file \(certs)/cacert.pem verify required
                  default_backend b_term
                backend b_term
                  server s 127.0.0.1:\(tcp) send-proxy-v2-ssl-cn

                """)
            process = try Subprocess("haproxy", ["-f", folder.file("haproxy.cfg"), "-db"], workingDirectory: folder.path).start()
            guard Loopback.waitUntilListening(port: ports["term"]!, timeout: 10) else {
                throw ServeHarness.HarnessFailure(description: "haproxy did not start: \(process.stop())")
            }
        }

        deinit { process.stop() }
    }

    static func paho(_ arguments: [String], port: UInt16, from address: String? = nil, tls: [String] = []) throws -> String {
        var command = Subprocess(
            "python3", [clients.appendingPathComponent("authz_clients.py").path, arguments[0], "\(port)"] + arguments.dropFirst() + tls)
        if let address { command.environment = ProcessInfo.processInfo.environment.merging(["BIND_ADDRESS": address]) { $1 } }
        let outcome = try command.run(timeout: 30)
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + (outcome.status == 0 ? "" : " (\(outcome.stderr))")
    }

    @Test func realAddressesHealthChecksAndTheCommonName() throws {
        let broker = try ServeHarness(
            config: """
                listeners.tcp.default {
                  bind = "127.0.0.1:0", proxy_protocol = true
                  access_rules = ["deny 127.0.0.2", "allow all"]
                }
                listeners.ssl.default {
                  bind = "127.0.0.1:0", proxy_protocol = true
                  access_rules = ["deny 127.0.0.2", "allow all"]
                  ssl_options { certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem" }
                }
                listeners.ws.default = marked_for_deletion
                listeners.wss.default = marked_for_deletion
                authorization {
                  no_match = deny
                  sources = [{ type = file, path = "etc/acl.conf" }]
                }
                """
        ) { folder in
            #expect(try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs"), "--client", "device1"]).status == 0)
            try folder.write("etc/acl.conf", "{allow, all, all, [\"devices/${cert_common_name}/#\", \"open/#\"]}.\n{deny, all}.\n")
        }
        let ports = try broker.ports(of: ["tcp:default", "ssl:default"])
        let haproxy = try HAProxy(in: broker.folder, tcp: ports["tcp:default"]!, ssl: ports["ssl:default"]!)
        // Health checks (v1 UNKNOWN-style and v2 LOCAL) pass: after several check intervals
        // the servers are still up and carry clients.
        usleep(1_500_000)
        for frontend in ["v1", "v2"] {
            #expect(
                try Self.paho(["roundtrip", "open/\(frontend)"], port: haproxy.ports[frontend]!, from: "127.0.0.3") == "received",
                "\(frontend)")
            #expect(
                try Self.paho(["roundtrip", "open/\(frontend)"], port: haproxy.ports[frontend]!, from: "127.0.0.2") == "refused",
                "\(frontend)")
        }
        let certs = broker.folder.file("etc/certs")
        let serverTLS = ["\(certs)/cacert.pem", "\(certs)/device1-cert.pem", "\(certs)/device1-key.pem"]
        #expect(try Self.paho(["roundtrip", "open/pass"], port: haproxy.ports["pass"]!, from: "127.0.0.3", tls: serverTLS) == "received")
        #expect(try Self.paho(["roundtrip", "open/pass"], port: haproxy.ports["pass"]!, from: "127.0.0.2", tls: serverTLS) == "refused")
        // haproxy terminates TLS and passes device1's CN: its rules apply to the tcp listener.
        #expect(try Self.paho(["roundtrip", "devices/device1/t"], port: haproxy.ports["term"]!, tls: serverTLS) == "received")
        #expect(try Self.paho(["suback", "5", "devices/device2/#"], port: haproxy.ports["term"]!, tls: serverTLS) == "135")
        let log = broker.process.stderr
        #expect(log.contains("peer=127.0.0.2:"), "the real address is logged")
        #expect(!log.contains("does not start with a PROXY"), "a health check was refused: \(log)")
        _ = haproxy
    }
}
