import EmqxTestSupport
import Foundation
import Testing

/// SIGHUP reloads: a renewed certificate is served to new handshakes while a subscriber that
/// connected before keeps receiving, without a reconnect; a broken renewal changes nothing.
@Suite(.serialized) struct ReloadServeTests {
    static let config = """
        listeners.tcp.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        listeners.ssl.default {
          bind = "127.0.0.1:0"
          ssl_options { certfile = "etc/live/cert.pem", keyfile = "etc/live/key.pem", cacertfile = "etc/certs/cacert.pem" }
        }
        authorization { no_match = allow, sources = [] }
        """

    /// The serial of the certificate the listener serves now.
    static func servedSerial(_ broker: ServeHarness) throws -> String {
        let outcome = try Subprocess(
            "sh",
            [
                "-c",
                "openssl s_client -connect 127.0.0.1:\(broker.port) -CAfile etc/certs/cacert.pem </dev/null 2>/dev/null | openssl x509 -noout -serial",
            ], workingDirectory: broker.folder.path
        ).run(timeout: 20)
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A subscriber that stays connected for `seconds`, then prints how many messages it got
    /// and how many times it connected.
    static let subscriber = """
        import queue, ssl, sys, time
        import paho.mqtt.client as mqtt
        port, seconds = int(sys.argv[1]), float(sys.argv[2])
        connects, received = [], []
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="steady", protocol=mqtt.MQTTv5)
        c.tls_set(ca_certs="etc/certs/cacert.pem", tls_version=ssl.PROTOCOL_TLS_CLIENT)
        c.on_connect = lambda cl, ud, flags, rc, props: (connects.append(rc.value), cl.subscribe("reload/t", qos=1))
        c.on_message = lambda cl, ud, msg: received.append(msg.payload)
        c.connect("127.0.0.1", port, keepalive=30)
        c.loop_start()
        time.sleep(seconds)
        c.loop_stop()
        print(f"connects {len(connects)} received {len(received)}", flush=True)
        """

    static func publish(_ broker: ServeHarness, _ text: String) throws -> Int32 {
        try Subprocess(
            "mosquitto_pub",
            ["-h", "127.0.0.1", "-p", "\(broker.port)", "--cafile", "etc/certs/cacert.pem", "-t", "reload/t", "-m", text, "-q", "1"],
            workingDirectory: broker.folder.path
        ).run(timeout: 15).status
    }

    static func waitForLog(_ broker: ServeHarness, _ text: String, count: Int = 1) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if broker.process.stderr.components(separatedBy: text).count - 1 >= count { return true }
            usleep(50_000)
        }
        return false
    }

    @Test func renewedCertificateWithoutDroppingAnyone() throws {
        let broker = try ServeHarness(config: Self.config) { folder in
            #expect(try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")]).status == 0)
            try FileManager.default.createDirectory(atPath: folder.file("etc/live"), withIntermediateDirectories: true)
            for name in ["cert.pem", "key.pem"] {
                try FileManager.default.copyItem(atPath: folder.file("etc/certs/\(name)"), toPath: folder.file("etc/live/\(name)"))
            }
            try folder.write("subscriber.py", Self.subscriber)
        }
        let before = try Self.servedSerial(broker)
        #expect(before.hasPrefix("serial="), "\(before)")
        let subscriber = try Subprocess("python3", ["subscriber.py", "\(broker.port)", "6"], workingDirectory: broker.folder.path).start()
        usleep(1_000_000)
        #expect(try Self.publish(broker, "before") == 0)

        // A renewal: a new certificate and key for the same name, then SIGHUP.
        let issued = try Emqxctl.run(
            [
                "cert", "issue", "server", "localhost", "--san", "localhost", "--san", "127.0.0.1", "--dir",
                broker.folder.file("etc/certs"),
                "--out", broker.folder.file("etc/renewed"),
            ])
        #expect(issued.status == 0, "\(issued)")
        try FileManager.default.removeItem(atPath: broker.folder.file("etc/live"))
        try FileManager.default.createDirectory(atPath: broker.folder.file("etc/live"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: broker.folder.file("etc/renewed/localhost-cert.pem"), toPath: broker.folder.file("etc/live/cert.pem"))
        try FileManager.default.copyItem(
            atPath: broker.folder.file("etc/renewed/localhost-key.pem"), toPath: broker.folder.file("etc/live/key.pem"))
        kill(broker.process.processIdentifier, SIGHUP)
        #expect(Self.waitForLog(broker, " ms: ssl:default ssl_options"), "\(broker.process.stderr)")
        let after = try Self.servedSerial(broker)
        #expect(after.hasPrefix("serial=") && after != before, "still \(before)")
        #expect(try Self.publish(broker, "after") == 0)

        // A broken renewal (a key that is not the certificate's): refused, nothing changes.
        try FileManager.default.removeItem(atPath: broker.folder.file("etc/live/key.pem"))
        try FileManager.default.copyItem(atPath: broker.folder.file("etc/certs/key.pem"), toPath: broker.folder.file("etc/live/key.pem"))
        kill(broker.process.processIdentifier, SIGHUP)
        #expect(Self.waitForLog(broker, "reload refused, nothing changed"), "\(broker.process.stderr)")
        #expect(broker.process.stderr.contains("key-mismatch"))
        #expect(try Self.servedSerial(broker) == after, "the broken renewal was applied")

        let outcome = subscriber.wait(timeout: 20)
        #expect(outcome.stdout.contains("connects 1 received 2"), "the subscriber reconnected or missed a message: \(outcome)")
        #expect(broker.process.isRunning)
    }

    /// No signal at all: a renewal written over the files the config names is seen by the
    /// watcher, which waits for both files to land, then reloads once.
    @Test func renewalIsPickedUpByTheFileWatcher() throws {
        let broker = try ServeHarness(config: Self.config) { folder in
            let made = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")])
            #expect(made.status == 0)
            try FileManager.default.createDirectory(atPath: folder.file("etc/live"), withIntermediateDirectories: true)
            for name in ["cert.pem", "key.pem"] {
                try FileManager.default.copyItem(atPath: folder.file("etc/certs/\(name)"), toPath: folder.file("etc/live/\(name)"))
            }
        }
        let before = try Self.servedSerial(broker)
        let issued = try Emqxctl.run(
            [
                "cert", "issue", "server", "localhost", "--san", "localhost", "--san", "127.0.0.1", "--dir",
                broker.folder.file("etc/certs"), "--out", broker.folder.file("etc/renewed"),
            ])
        #expect(issued.status == 0, "\(issued)")
        // As a renewal tool would: one file, a pause, then the other.
        let certificate = try String(contentsOfFile: broker.folder.file("etc/renewed/localhost-cert.pem"), encoding: .utf8)
        try certificate.write(toFile: broker.folder.file("etc/live/cert.pem"), atomically: true, encoding: .utf8)
        usleep(800_000)
        let key = try String(contentsOfFile: broker.folder.file("etc/renewed/localhost-key.pem"), encoding: .utf8)
        try key.write(toFile: broker.folder.file("etc/live/key.pem"), atomically: true, encoding: .utf8)
        #expect(Self.waitForLog(broker, " ms: ssl:default ssl_options"), "\(broker.process.stderr)")
        #expect(broker.process.stderr.contains("files changed, reloading:"))
        #expect(!broker.process.stderr.contains("reload refused"), "reloaded between the two files: \(broker.process.stderr)")
        let after = try Self.servedSerial(broker)
        #expect(after.hasPrefix("serial=") && after != before, "still \(before)")
        usleep(3_000_000)
        #expect(broker.process.stderr.components(separatedBy: "reload applied").count == 2, "reloaded more than once")
    }

    /// mqtt {} reloads for new connections: a shorter max_clientid_len refuses a new client
    /// with a long id, while a subscriber that connected with one under the old limit stays
    /// and receives (its session keeps what its CONNACK said).
    @Test func mqttLimitsApplyToNewConnections() throws {
        let config = """
            listeners.ssl.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            listeners.tcp.default.bind = "127.0.0.1:0"
            authorization { no_match = allow, sources = [] }
            mqtt.max_clientid_len = 65535
            """
        let broker = try ServeHarness(config: config)
        let listening = try Subprocess(
            "python3", [Self.steadySubscriber, "\(broker.port)", "5", "a-subscriber-id-longer-than-23", "limits/t"]
        )
        .start()
        usleep(1_000_000)
        try broker.folder.write("emqx.conf", config.replacingOccurrences(of: "65535", with: "23"))
        kill(broker.process.processIdentifier, SIGHUP)
        #expect(Self.waitForLog(broker, "mqtt (for new connections)"), "\(broker.process.stderr)")
        func publish(_ id: String) throws -> Int32 {
            try Subprocess(
                "mosquitto_pub",
                ["-h", "127.0.0.1", "-p", "\(broker.port)", "-i", id, "-V", "mqttv5", "-t", "limits/t", "-m", "x", "-q", "1"]
            ).run(timeout: 15).status
        }
        #expect(try publish("a-publisher-id-longer-than-23") != 0, "a client id over the new max_clientid_len was accepted")
        #expect(try publish("short") == 0)
        let outcome = listening.wait(timeout: 20)
        #expect(outcome.stdout.contains("connects 1 received 1 connected True"), "\(outcome)")
    }

    /// Listeners come and go with the config: one added is started, one moved is rebound,
    /// one removed is stopped, while a subscriber on another listener stays connected and
    /// receives what is published through each.
    @Test func listenersStartMoveAndStopWithoutTouchingOthers() throws {
        let (second, third) = (try Loopback.freePort(), try Loopback.freePort())
        let base = """
            listeners.ssl.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            listeners.tcp.default.bind = "127.0.0.1:0"
            authorization { no_match = allow, sources = [] }

            """
        let broker = try ServeHarness(config: base)
        let listening = try Subprocess("python3", [Self.steadySubscriber, "\(broker.port)", "9", "stays", "moves/t"]).start()
        usleep(1_000_000)
        func publish(_ port: UInt16) throws -> Int32 {
            try Subprocess("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(port)", "-t", "moves/t", "-m", "x", "-q", "1"]).run(timeout: 15)
                .status
        }
        func reload(_ extra: String, expecting line: String) throws {
            try broker.folder.write("emqx.conf", base + extra)
            kill(broker.process.processIdentifier, SIGHUP)
            #expect(Self.waitForLog(broker, line), "\(broker.process.stderr)")
        }
        try reload("listeners.tcp.second.bind = \"127.0.0.1:\(second)\"\n", expecting: "tcp:second started on 127.0.0.1:\(second)")
        #expect(try publish(second) == 0)
        try reload("listeners.tcp.second.bind = \"127.0.0.1:\(third)\"\n", expecting: "tcp:second moved from 127.0.0.1:\(second)")
        #expect(try publish(third) == 0)
        #expect(try publish(second) != 0, "the old address still accepts")
        try reload("", expecting: "tcp:second stopped (removed")
        #expect(try publish(third) != 0, "a removed listener still accepts")
        let outcome = listening.wait(timeout: 20)
        #expect(outcome.stdout.contains("connects 1 received 2 connected True"), "\(outcome)")
    }

    /// Clients/steady_subscriber.py.
    static let steadySubscriber = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Clients/steady_subscriber.py").path
}
