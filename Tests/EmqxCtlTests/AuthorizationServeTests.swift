import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl serve` with authorization, against paho-mqtt and mosquitto: acl.conf rules that
/// name certificates, the replies to a denial, deny_action, and the built-in database's rules
/// added while serving.
@Suite(.serialized) struct AuthorizationServeTests {
    static let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients")

    /// mTLS, the certificate's CN as client id; each device may use only `devices/<its CN>/…`,
    /// and nobody may subscribe to `#`.
    static let deviceRules = """
        {deny, all, subscribe, [{eq, "#"}]}.
        {allow, all, all, ["devices/${cert_common_name}/#"]}.
        {deny, all}.
        """

    static func broker(acl: String, extra: String = "", prepare: (TemporaryDirectory) throws -> Void = { _ in }) throws -> ServeHarness {
        let config = """
            listeners.tcp.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            mqtt.peer_cert_as_clientid = cn
            listeners.ssl.default {
              bind = "127.0.0.1:0"
              ssl_options {
                certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
                verify = verify_peer, fail_if_no_peer_cert = true
              }
            }
            authorization {
              no_match = deny
              sources = [{ type = file, path = "etc/acl.conf" }]
              \(extra)
            }
            """
        return try ServeHarness(config: config) { folder in
            let generated = try Emqxctl.run([
                "cert", "gen", "--out", folder.file("etc/certs"), "--client", "device1", "--client", "device2",
            ])
            guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
            try folder.write("etc/acl.conf", acl)
            try prepare(folder)
        }
    }

    static func paho(_ broker: ServeHarness, _ arguments: [String], device: String = "device1") throws -> String {
        let certs = broker.folder.file("etc/certs")
        let tls = ["\(certs)/cacert.pem", "\(certs)/\(device)-cert.pem", "\(certs)/\(device)-key.pem"]
        let outcome = try Subprocess(
            "python3",
            [clients.appendingPathComponent("authz_clients.py").path, arguments[0], "\(broker.port)"] + arguments.dropFirst() + tls
        ).run(timeout: 30)
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + (outcome.status == 0 ? "" : " (\(outcome.stderr))")
    }

    @Test func devicesUseOnlyTheirOwnTopics() throws {
        let broker = try Self.broker(acl: Self.deviceRules)
        #expect(try Self.paho(broker, ["roundtrip", "devices/device1/t"]) == "received")
        #expect(try Self.paho(broker, ["puback", "devices/device2/t"]) == "135", "PUBACK 0x87 for another device's topic")
        #expect(try Self.paho(broker, ["suback", "5", "#"]) == "135")
        #expect(try Self.paho(broker, ["suback", "3", "#"]) == "128", "3.1.1 has only 0x80")
        #expect(try Self.paho(broker, ["suback", "5", "devices/device2/#"]) == "135")
        #expect(try Self.paho(broker, ["suback", "5", "devices/device1/+"]) == "1")
        // mosquitto_pub (3.1.1, QoS 1) gets a plain PUBACK for a denied publish, as from EMQX,
        // and nothing reaches device2.
        let certs = broker.folder.file("etc/certs")
        let subscriber = try Subprocess(
            "mosquitto_sub",
            [
                "-h", "127.0.0.1", "-p", "\(broker.port)", "--cafile", "\(certs)/cacert.pem", "--cert", "\(certs)/device2-cert.pem",
                "--key", "\(certs)/device2-key.pem", "-t", "devices/device2/#", "-C", "1", "-W", "4", "-V", "mqttv311",
            ]
        ).start()
        usleep(500_000)
        let publish = try Subprocess(
            "mosquitto_pub",
            [
                "-h", "127.0.0.1", "-p", "\(broker.port)", "--cafile", "\(certs)/cacert.pem", "--cert", "\(certs)/device1-cert.pem",
                "--key", "\(certs)/device1-key.pem", "-t", "devices/device2/cmd", "-m", "spoofed", "-q", "1", "-V", "mqttv311",
            ]
        ).run(timeout: 15)
        #expect(publish.status == 0, "\(publish)")
        #expect(!subscriber.wait(timeout: 10).stdout.contains("spoofed"))
        #expect(broker.process.stderr.contains("not authorized: PUBLISH(Q1,R0) devices/device2/cmd"), "\(broker.process.stderr)")
        #expect(broker.process.stderr.contains("etc/acl.conf:3: {deny, all}."), "the log names the rule")
    }

    @Test func denyActionDisconnect() throws {
        let broker = try Self.broker(acl: Self.deviceRules, extra: "deny_action = disconnect")
        #expect(try Self.paho(broker, ["puback", "devices/device2/t"]) == "disconnected 135")
        #expect(try Self.paho(broker, ["roundtrip", "devices/device1/t"]) == "received")
    }

    /// Rules added with `emqxctl acl add` while serve runs apply within a second or two (the
    /// cache's ttl is short here).
    @Test func builtInDatabaseRulesAddedWhileServing() throws {
        let broker = try Self.broker(
            acl: Self.deviceRules.replacingOccurrences(of: "{deny, all}.", with: ""),
            extra: "sources = [{ type = file, path = \"etc/acl.conf\" }, { type = built_in_database }]\ncache.ttl = 1s")
        #expect(try Self.paho(broker, ["suback", "5", "shared/status"]) == "135")
        let add = try Emqxctl.run(
            ["acl", "add", "--clientid", "device1", "--permission", "allow", "--action", "subscribe", "--topic", "shared/+"],
            in: broker.folder.path)
        #expect(add.status == 0, "\(add)")
        let deadline = Date().addingTimeInterval(6)
        var answer = ""
        while answer != "1" && Date() < deadline {
            answer = try Self.paho(broker, ["suback", "5", "shared/status"])
            if answer != "1" { usleep(300_000) }
        }
        #expect(answer == "1", "the stored rule was not applied")
        // device1's rule is its own; `shared/#` is wider than `shared/+` (Q6b).
        #expect(try Self.paho(broker, ["suback", "5", "shared/status"], device: "device2") == "135")
        #expect(try Self.paho(broker, ["suback", "5", "shared/#"]) == "135")
    }

    /// config check reads acl.conf and reports every problem in it at its line and column;
    /// acl check says which rule decides.
    @Test func configCheckAndACLCheck() throws {
        let folder = try TemporaryDirectory()
        try folder.write(
            "etc/acl.conf",
            """
            {allow, all, publish, "${clientid}/#"}.
            {allow, {username, "a"}, publish, ["${peerhost}/#"]}.
            {allow, all}.
            """)
        try folder.write(
            "etc/emqx.conf",
            "listeners.ssl.default = marked_for_deletion\nauthorization.sources = [{ type = file, path = \"etc/acl.conf\" }]\n")
        let check = try Emqxctl.run(["config", "check"], in: folder.path)
        #expect(check.status == 2)
        #expect(check.stdout.contains("etc/acl.conf:1:23: error[acl-invalid]"), "\(check)")
        #expect(check.stdout.contains("etc/acl.conf:2:36: error[acl-invalid]"), "\(check)")
        try folder.write("etc/acl.conf", AuthorizationServeTests.deviceRules)
        let denied = try Emqxctl.run(["acl", "check", "--clientid", "x", "subscribe", "$share/g/#"], in: folder.path)
        #expect(denied.status == 1 && denied.stdout == "deny: etc/acl.conf:1: {deny, all, subscribe, [{eq, \"#\"}]}.\n", "\(denied)")
        try folder.write("device.pem", try String(contentsOfFile: Self.certificate(in: folder), encoding: .utf8))
        let allowed = try Emqxctl.run(["acl", "check", "--cert", "device.pem", "publish", "devices/device1/t"], in: folder.path)
        #expect(allowed.status == 0 && allowed.stdout.hasPrefix("allow: etc/acl.conf:2:"), "\(allowed)")
    }

    static func certificate(in folder: TemporaryDirectory) throws -> String {
        let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("pki"), "--client", "device1"])
        #expect(generated.status == 0)
        return folder.file("pki/device1-cert.pem")
    }
}
