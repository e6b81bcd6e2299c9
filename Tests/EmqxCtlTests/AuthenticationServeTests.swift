import EmqxTestSupport
import Foundation
import Testing

/// `emqxctl serve` with authentication, against real peers: a Python HTTPS backend that
/// requires a client certificate (Clients/auth_server.py), mosquitto_pub and paho-mqtt in
/// 3.1.1 and 5.0, the built-in database with every hash EMQX has, and identity from
/// certificates.
@Suite(.serialized) struct AuthenticationServeTests {
    static let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients")

    /// The HTTPS backend, running until the value is released.
    final class AuthServer {
        let process: Subprocess.Running
        let port: UInt16
        let log: String

        /// `cert`/`key` serve TLS; `cafile` also requires a client certificate from that CA.
        init(
            in folder: TemporaryDirectory, cert: String? = "etc/certs/cert.pem", key: String = "etc/certs/key.pem",
            cafile: String? = "etc/certs/cacert.pem"
        ) throws {
            log = folder.file("auth.log")
            var arguments = [AuthenticationServeTests.clients.appendingPathComponent("auth_server.py").path, "--log", log]
            if let cert { arguments += ["--cert", cert, "--key", key] }
            if let cafile { arguments += ["--cafile", cafile] }
            process = try Subprocess("python3", arguments, workingDirectory: folder.path).start()
            let deadline = Date().addingTimeInterval(10)
            var found: UInt16?
            while found == nil, process.isRunning, Date() < deadline {
                found = UInt16(process.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                if found == nil { usleep(20_000) }
            }
            guard let found else { throw ServeHarness.HarnessFailure(description: "auth_server.py did not start: \(process.stop())") }
            port = found
        }

        deinit { process.stop() }

        /// Every request it received, one JSON object each.
        var requests: [[String: Any]] {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    static let listeners = """
        listeners.tcp.default.bind = "127.0.0.1:0"
        listeners.ssl.default = marked_for_deletion
        listeners.ws.default = marked_for_deletion
        listeners.wss.default = marked_for_deletion
        """

    /// The guide's block ("SSL Client for External Resources"), completed with what it
    /// elides: the method, the body, and our backend's port.
    static func guideBlock(port: UInt16, ssl extra: String = "", timeout: String = "5s") -> String {
        """
        authentication {
          url = "https://127.0.0.1:\(port)/mqtt/auth"
          backend = "http"
          mechanism = password_based
          method = post
          request_timeout = \(timeout)
          body { username = "${username}", password = "${password}", clientid = "${clientid}", cn = "${cert_common_name}" }
          ssl {
            enable = true
            cacertfile = "etc/certs/cacert.pem"
            certfile = "etc/certs/client-cert.pem"
            keyfile = "etc/certs/client-key.pem"
            ## `verify_peer` means turn on verification for server certificate
            verify = verify_peer
            \(extra)
          }
        }
        """
    }

    /// A folder with a PKI (cert gen, with a device1 client) and the backend in it.
    static func backend(cafile: String? = "etc/certs/cacert.pem") throws -> (TemporaryDirectory, AuthServer) {
        let folder = try TemporaryDirectory()
        let generated = try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs"), "--client", "device1"])
        guard generated.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(generated)") }
        return (folder, try AuthServer(in: folder, cafile: cafile))
    }

    /// The broker in `folder` (its PKI is already there).
    static func broker(_ config: String, in folder: TemporaryDirectory) throws -> ServeHarness {
        try ServeHarness(config: config) { brokerFolder in
            try FileManager.default.copyItem(atPath: folder.file("etc"), toPath: brokerFolder.file("etc"))
        }
    }

    /// mosquitto_pub's exit status: the CONNACK's return code (3.1.1) or reason code (5.0).
    static func mosquittoConnack(_ broker: ServeHarness, user: String, version: String, extra: [String] = []) throws -> Int32 {
        try Subprocess(
            "mosquitto_pub",
            ["-h", "127.0.0.1", "-p", "\(broker.port)", "-u", user, "-P", "pw", "-t", "t", "-m", "m", "-V", version] + extra,
            workingDirectory: broker.folder.path
        ).run(timeout: 20).status
    }

    static func pahoConnack(_ broker: ServeHarness, user: String, version: String) throws -> String {
        let outcome = try Subprocess(
            "python3", [clients.appendingPathComponent("auth_clients.py").path, "connack", "\(broker.port)", version, user, "pw"]
        ).run(timeout: 30)
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: HTTP backend

    /// allow, superuser, deny, ignore, a 5xx and 204, each in 3.1.1 and 5.0, with mosquitto and
    /// paho: the exact CONNACK codes.
    @Test func httpsBackendAnswersGiveExactConnackCodes() throws {
        let (folder, server) = try Self.backend()
        let broker = try Self.broker(Self.listeners + "\n" + Self.guideBlock(port: server.port), in: folder)
        // user prefix: (3.1.1 return code, 5.0 reason code)
        let expected: [(String, Int32, Int32)] = [
            ("allow", 0, 0), ("super", 0, 0), ("no-content", 0, 0), ("deny", 5, 0x87), ("ignore", 5, 0x87), ("fail", 3, 0x88),
        ]
        for (prefix, v3, v5) in expected {
            #expect(try Self.mosquittoConnack(broker, user: "\(prefix)-m3", version: "mqttv311") == v3, "\(prefix) 3.1.1")
            #expect(try Self.mosquittoConnack(broker, user: "\(prefix)-m5", version: "mqttv5") == v5, "\(prefix) 5.0")
            #expect(try Self.pahoConnack(broker, user: "\(prefix)-p5", version: "5") == "\(v5)", "\(prefix) paho 5.0")
            // paho reports a 3.1.1 return code as its 5.0 equivalent (5 → 135, 3 → 136).
            let v3AsV5 = [0: "0", 5: "135", 3: "136"][Int(v3)]!
            #expect(try Self.pahoConnack(broker, user: "\(prefix)-p3", version: "3") == v3AsV5, "\(prefix) paho 3.1.1")
        }
        // The body the guide's placeholders render, as JSON; the CONNECT's password is sent.
        let request = try #require(server.requests.first { ($0["body"] as? String ?? "").contains("allow-m3") })
        let body = try #require(try JSONSerialization.jsonObject(with: Data((request["body"] as! String).utf8)) as? [String: String])
        #expect(body["username"] == "allow-m3" && body["password"] == "pw" && body["cn"] == "")
        #expect((request["headers"] as? [String: String])?["content-type"] == "application/json")
        // One line per refusal says why; no password reaches the log.
        #expect(broker.process.stderr.contains("could not answer"), "\(broker.process.stderr)")
        #expect(!broker.process.stderr.contains("\"pw\""))
    }

    /// Pooled keep-alive connections: many CONNECTs, few TLS handshakes with the backend.
    @Test func connectionsToTheBackendAreReused() throws {
        let (folder, server) = try Self.backend()
        let broker = try Self.broker(Self.listeners + "\n" + Self.guideBlock(port: server.port), in: folder)
        for index in 0..<12 { #expect(try Self.mosquittoConnack(broker, user: "allow-\(index)", version: "mqttv5") == 0) }
        let ports = Set(server.requests.compactMap { $0["client_port"] as? Int })
        #expect(server.requests.count == 12)
        #expect(ports.count <= 2, "each CONNECT opened its own connection: \(ports)")
    }

    /// The broker's client key may be encrypted: `ssl.password` opens it; a wrong one is a
    /// config error before anything starts.
    @Test func encryptedClientKeyWithItsPassword() throws {
        let (folder, server) = try Self.backend()
        let encrypted = try OpenSSLCLI.run(
            ["pkey", "-in", "etc/certs/client-key.pem", "-aes256", "-passout", "pass:key-pass", "-out", "etc/certs/client-key-enc.pem"],
            in: folder.path, timeout: 15)
        #expect(encrypted.status == 0, "\(encrypted)")
        func block(_ password: String) -> String {
            Self.guideBlock(port: server.port, ssl: "password = \"\(password)\"").replacingOccurrences(
                of: "etc/certs/client-key.pem", with: "etc/certs/client-key-enc.pem")
        }
        let broker = try Self.broker(Self.listeners + "\n" + block("key-pass"), in: folder)
        #expect(try Self.mosquittoConnack(broker, user: "allow-enc", version: "mqttv5") == 0)
        try folder.write("wrong.conf", Self.listeners + "\n" + block("not-it"))
        let wrong = try Emqxctl.run(["config", "check", "wrong.conf"], in: folder.path)
        #expect(wrong.status == 2 && wrong.stdout.contains("error[key-password]"), "\(wrong)")
        #expect(!wrong.stdout.contains("not-it"), "the password reached the output")
    }

    /// A plain http:// backend (no TLS), with get: the body pairs go in the query.
    @Test func plainHTTPBackendWithGet() throws {
        let folder = try TemporaryDirectory()
        let server = try AuthServer(in: folder, cert: nil, cafile: nil)
        let config = """
            authentication {
              mechanism = password_based, backend = http, method = get
              url = "http://127.0.0.1:\(server.port)/auth?src=emqxctl"
              body { username = "${username}", clientid = "${clientid}" }
            }
            """
        let broker = try ServeHarness(config: Self.listeners + "\n" + config)
        #expect(try Self.mosquittoConnack(broker, user: "allow-get", version: "mqttv311", extra: ["-i", "c 1"]) == 0)
        #expect(try Self.mosquittoConnack(broker, user: "deny-get", version: "mqttv311") == 5)
        let path = try #require(server.requests.first?["path"] as? String)
        #expect(path == "/auth?src=emqxctl&clientid=c+1&username=allow-get", "\(path)")
        #expect(broker.process.isRunning)
    }

    /// A future expire_at from the backend ends the connection then, with DISCONNECT 0x87.
    @Test func expireAtEndsTheConnection() throws {
        let (folder, server) = try Self.backend()
        let broker = try Self.broker(Self.listeners + "\n" + Self.guideBlock(port: server.port), in: folder)
        let outcome = try Subprocess(
            "python3", [Self.clients.appendingPathComponent("auth_clients.py").path, "expire", "\(broker.port)", "expire-1"]
        ).run(timeout: 30)
        let parts = outcome.stdout.split(separator: " ")
        #expect(parts.first == "135", "\(outcome)")
        #expect((parts.last.flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0) >= 0.9, "\(outcome)")
        #expect(broker.process.stderr.contains("expire_at has passed"), "\(broker.process.stderr)")
    }

    /// A kept-alive connection the backend dropped unanswered is retried once on a new
    /// connection, so the client never sees it (pool_size 1 makes the second CONNECT reuse it).
    @Test func aDroppedKeepAliveConnectionIsRetriedOnce() throws {
        let (folder, server) = try Self.backend()
        let config = Self.guideBlock(port: server.port).replacingOccurrences(of: "method = post", with: "method = post\n  pool_size = 1")
        let broker = try Self.broker(Self.listeners + "\n" + config, in: folder)
        for index in 0..<3 {
            #expect(try Self.mosquittoConnack(broker, user: "stale-\(index)", version: "mqttv5") == 0, "CONNECT \(index)")
        }
        #expect(Set(server.requests.compactMap { $0["client_port"] as? Int }).count == 3, "each retry is a new connection")
    }

    /// enable_authn per listener: false lets everyone in without asking the chain;
    /// quick_deny_anonymous refuses a CONNECT without a user name before asking it.
    @Test func enableAuthnPerListener() throws {
        let (folder, server) = try Self.backend()
        let config = """
            listeners.tcp.default { bind = "127.0.0.1:0", enable_authn = false }
            listeners.tcp.quick { bind = "127.0.0.1:0", enable_authn = quick_deny_anonymous }
            listeners.ssl.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            \(Self.guideBlock(port: server.port))
            """
        let broker = try Self.broker(config, in: folder)
        let ports = try broker.ports(of: ["tcp:default", "tcp:quick"])
        func connack(_ port: UInt16, _ extra: [String]) throws -> Int32 {
            try Subprocess("mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(port)", "-t", "t", "-m", "m", "-V", "mqttv5"] + extra).run(
                timeout: 20
            )
            .status
        }
        #expect(try connack(ports["tcp:default"]!, ["-u", "deny-1", "-P", "x"]) == 0)
        #expect(try connack(ports["tcp:quick"]!, []) == 0x87)
        #expect(try connack(ports["tcp:quick"]!, ["-u", "allow-1", "-P", "x"]) == 0)
        #expect(server.requests.count == 1, "only the named client on the quick listener was asked")
    }

    /// verify_peer refuses a backend whose certificate another CA issued (server unavailable);
    /// verify_none accepts it; a wrong server_name_indication is refused.
    @Test func backendCertificateIsVerified() throws {
        let (folder, server) = try Self.backend()
        let other = try Emqxctl.run(["cert", "gen", "--out", folder.file("other")])
        #expect(other.status == 0)
        try FileManager.default.removeItem(atPath: folder.file("etc/certs/cacert.pem"))
        try FileManager.default.copyItem(atPath: folder.file("other/cacert.pem"), toPath: folder.file("etc/certs/cacert.pem"))
        let refused = try Self.broker(Self.listeners + "\n" + Self.guideBlock(port: server.port), in: folder)
        #expect(try Self.mosquittoConnack(refused, user: "allow-a", version: "mqttv5") == 0x88)
        #expect(refused.process.stderr.contains("TLS"), "\(refused.process.stderr)")
        let unverified = try Self.broker(
            Self.listeners + "\n"
                + Self.guideBlock(port: server.port).replacingOccurrences(of: "verify = verify_peer", with: "verify = verify_none"),
            in: folder)
        #expect(try Self.mosquittoConnack(unverified, user: "allow-a", version: "mqttv5") == 0)
        _ = server
    }

    @Test func wrongServerNameIsRefused() throws {
        let (folder, server) = try Self.backend()
        let wrong = try Self.broker(
            Self.listeners + "\n" + Self.guideBlock(port: server.port, ssl: "server_name_indication = \"auth.example.com\""), in: folder)
        #expect(try Self.mosquittoConnack(wrong, user: "allow-a", version: "mqttv5") == 0x88)
        let right = try Self.broker(
            Self.listeners + "\n" + Self.guideBlock(port: server.port, ssl: "server_name_indication = \"localhost\""), in: folder)
        #expect(try Self.mosquittoConnack(right, user: "allow-a", version: "mqttv5") == 0)
    }

    /// A backend that does not answer gives server unavailable within request_timeout, while
    /// connected clients go on being served; one that is down gives it at once.
    @Test func slowOrDownBackendGivesServerUnavailableAndTheBrokerStaysResponsive() throws {
        let (folder, server) = try Self.backend()
        let broker = try Self.broker(Self.listeners + "\n" + Self.guideBlock(port: server.port, timeout: "1s"), in: folder)
        let subscriber = try Subprocess(
            "mosquitto_sub",
            ["-h", "127.0.0.1", "-p", "\(broker.port)", "-u", "allow-sub", "-P", "pw", "-t", "live", "-C", "1", "-W", "15"]
        ).start()
        usleep(500_000)
        let started = Date()
        let slow = try Subprocess(
            "mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(broker.port)", "-u", "slow-1", "-P", "pw", "-t", "t", "-m", "m", "-V", "mqttv5"]
        ).start()
        usleep(100_000)
        #expect(try Self.mosquittoConnack(broker, user: "allow-pub", version: "mqttv5", extra: ["-t", "live"]) == 0)
        let whileWaiting = Date().timeIntervalSince(started)
        let slowOutcome = slow.wait(timeout: 10)
        let elapsed = Date().timeIntervalSince(started)
        #expect(slowOutcome.status == 0x88, "\(slowOutcome)")
        #expect(elapsed >= 0.9 && elapsed < 3, "server unavailable after \(elapsed) s with request_timeout = 1s")
        #expect(whileWaiting < 0.9, "a connected client waited \(whileWaiting) s for another's authentication")
        #expect(subscriber.wait(timeout: 10).stdout.contains("m"))
        #expect(broker.process.stderr.contains("request_timeout"), "\(broker.process.stderr)")

        let down = try Self.broker(Self.listeners + "\n" + Self.guideBlock(port: Loopback.freePort()), in: folder)
        #expect(try Self.mosquittoConnack(down, user: "allow-a", version: "mqttv311") == 3)
        #expect(down.process.stderr.contains("connection refused"), "\(down.process.stderr)")
        usleep(300_000)
        #expect(down.process.isRunning, "serve stopped: \(down.process.stderr)")
        #expect(broker.process.isRunning, "serve stopped: \(broker.process.stderr)")
    }

    // MARK: Built-in database

    /// The hash settings of each algorithm's listener, matching password_vectors.py.
    static let algorithms: [(String, String)] = [
        ("plain", "{ name = plain, salt_position = disable }"), ("md5", "{ name = md5, salt_position = prefix }"),
        ("sha", "{ name = sha, salt_position = suffix }"), ("sha256", "{ name = sha256, salt_position = prefix }"),
        ("sha512", "{ name = sha512, salt_position = disable }"), ("bcrypt", "{ name = bcrypt, salt_rounds = 5 }"),
        ("pbkdf2", "{ name = pbkdf2, mac_fun = sha256, iterations = 1000 }"),
    ]

    /// One listener per algorithm, each with its own chain and a bootstrap file of EMQX hash
    /// records computed by Python's hashlib and bcrypt: the right password connects (and
    /// bcrypt's runs off the event loop), a wrong one gets "bad user name or password", an
    /// unknown user "not authorized" (every authenticator ignored).
    @Test func builtInDatabaseChecksEveryHashAlgorithm() throws {
        let listeners = Self.algorithms.map { name, algorithm in
            """
            listeners.tcp.\(name) {
              bind = "127.0.0.1:0"
              authentication = [{
                mechanism = password_based, backend = built_in_database
                password_hash_algorithm \(algorithm)
                bootstrap_file = "\(name).csv", bootstrap_type = hash
              }]
            }
            """
        }.joined(separator: "\n")
        let broker = try ServeHarness(
            config: Self.listeners.replacingOccurrences(of: "127.0.0.1:0", with: "127.0.0.1:0") + "\n" + listeners
        ) {
            folder in
            let vectors = try Subprocess("python3", [Self.clients.appendingPathComponent("password_vectors.py").path, folder.path]).run()
            guard vectors.status == 0 else { throw ServeHarness.HarnessFailure(description: "\(vectors)") }
        }
        let ports = try broker.ports(of: Self.algorithms.map { "tcp:\($0.0)" })
        func connack(_ name: String, user: String, password: String, version: String = "mqttv311") throws -> Int32 {
            try Subprocess(
                "mosquitto_pub",
                ["-h", "127.0.0.1", "-p", "\(ports["tcp:\(name)"]!)", "-u", user, "-P", password, "-t", "t", "-m", "m", "-V", version]
            ).run(timeout: 20).status
        }
        for (name, _) in Self.algorithms {
            #expect(try connack(name, user: "u-\(name)", password: "right-\(name)") == 0, "\(name): the right password")
            #expect(try connack(name, user: "u-\(name)", password: "wrong") == 4, "\(name): a wrong password")
            #expect(try connack(name, user: "u-\(name)", password: "wrong", version: "mqttv5") == 0x86, "\(name): 5.0")
            #expect(try connack(name, user: "nobody", password: "x") == 5, "\(name): an unknown user")
        }
        // Each listener's users are its own chain's (EMQX's user groups).
        #expect(try connack("md5", user: "u-sha", password: "right-sha") == 5)
        #expect(!broker.process.stderr.contains("right-"), "a password reached the log")
    }

    /// The global chain: HTTP first, then the database. A client the backend ignores is
    /// decided by the database; users added with `emqxctl user add` and a plain CSV bootstrap
    /// both work, and a user added while serve runs is seen.
    @Test func chainFallsThroughFromHTTPToTheDatabase() throws {
        let (folder, server) = try Self.backend()
        try folder.write("etc/bootstrap.csv", "user_id,password,is_superuser\nignore-csv,\"from csv, quoted\",false\n")
        let database = """
            authentication = [
              \(Self.guideBlock(port: server.port).dropFirst("authentication ".count))
              { mechanism = password_based, backend = built_in_database, bootstrap_file = "etc/bootstrap.csv" }
            ]
            """
        let broker = try Self.broker(Self.listeners + "\n" + database, in: folder)
        func connack(_ user: String, _ password: String) throws -> Int32 {
            try Subprocess(
                "mosquitto_pub",
                ["-h", "127.0.0.1", "-p", "\(broker.port)", "-u", user, "-P", password, "-t", "t", "-m", "m", "-V", "mqttv5"]
            ).run(timeout: 20).status
        }
        #expect(try connack("ignore-csv", "from csv, quoted") == 0)
        #expect(try connack("ignore-csv", "wrong") == 0x86)
        #expect(try connack("allow-http", "anything") == 0)
        #expect(try connack("ignore-later", "later-pw") == 0x87)
        var add = Subprocess(Emqxctl.binary, ["user", "add", "ignore-later"], workingDirectory: broker.folder.path)
        add.standardInput = Array("later-pw\n".utf8)
        #expect(try add.run().status == 0)
        let deadline = Date().addingTimeInterval(5)
        var status: Int32 = -1
        while status != 0 && Date() < deadline {
            status = try connack("ignore-later", "later-pw")
            if status != 0 { usleep(200_000) }
        }
        #expect(status == 0, "a user added while serve runs is not seen")
        #expect(broker.process.stderr.contains("reloaded user database"), "\(broker.process.stderr)")
    }

    // MARK: Identity from TLS

    /// mTLS with peer_cert_as_clientid = cn: the client id is the certificate's CN, so a
    /// second device claiming device1's client id cannot take over its session; a client
    /// without a certificate is refused instead of falling back to what it claims.
    @Test func certificateCommonNameIsTheClientID() throws {
        let folder = try TemporaryDirectory()
        #expect(try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs"), "--client", "device1"]).status == 0)
        let config = """
            listeners.tcp.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            mqtt.peer_cert_as_clientid = cn
            listeners.ssl.default {
              bind = "127.0.0.1:0"
              ssl_options {
                certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
                verify = verify_peer
              }
            }
            """
        let broker = try Self.broker(config, in: folder)
        let outcome = try Subprocess(
            "python3",
            [
                Self.clients.appendingPathComponent("auth_clients.py").path, "identity", "\(broker.port)",
                folder.file("etc/certs/cacert.pem"),
            ]
        ).run(timeout: 60)
        #expect(outcome.stdout.contains("PASS from-b, taken over by the same certificate (142)"), "\(outcome)")
        let anonymous = try Subprocess(
            "mosquitto_pub",
            [
                "-h", "127.0.0.1", "-p", "\(broker.port)", "--cafile", "etc/certs/cacert.pem", "-t", "t", "-m", "m", "-i", "device1", "-V",
                "mqttv311",
            ],
            workingDirectory: folder.path
        ).run(timeout: 20)
        #expect(anonymous.status == 5, "\(anonymous)")
        #expect(broker.process.stderr.contains("the client sent no certificate"), "\(broker.process.stderr)")
    }

    /// emqxctl's psk_identity_as_username: on a PSK handshake the PSK identity is the user name
    /// the database checks, whatever CONNECT claims.
    @Test func pskIdentityIsTheUserName() throws {
        let config = """
            psk_authentication { enable = true, init_file = "etc/init.psk" }
            mqtt.psk_identity_as_username = true
            authentication { mechanism = password_based, backend = built_in_database, bootstrap_file = "etc/users.csv" }
            listeners.tcp.default = marked_for_deletion
            listeners.ws.default = marked_for_deletion
            listeners.wss.default = marked_for_deletion
            listeners.ssl.default {
              bind = "127.0.0.1:0"
              ssl_options {
                certfile = "etc/certs/cert.pem", keyfile = "etc/certs/key.pem", cacertfile = "etc/certs/cacert.pem"
                versions = ["tlsv1.2"], ciphers = "PSK-AES128-GCM-SHA256"
              }
            }
            """
        let broker = try ServeHarness(config: config) { folder in
            #expect(try Emqxctl.run(["cert", "gen", "--out", folder.file("etc/certs")]).status == 0)
            try folder.write("etc/init.psk", "device-1:secret-one\n")
            try folder.write("etc/users.csv", "user_id,password,is_superuser\ndevice-1,pw-1,false\nother,pw-2,false\n")
        }
        func connack(user: String, password: String) throws -> Int32 {
            try Subprocess(
                "mosquitto_pub",
                [
                    "-h", "127.0.0.1", "-p", "\(broker.port)", "--psk-identity", "device-1", "--psk",
                    pskClientKey(forRawSecret: "secret-one"),
                    "--tls-version", "tlsv1.2", "-u", user, "-P", password, "-t", "t", "-m", "m", "-V", "mqttv311",
                ]
            ).run(timeout: 20).status
        }
        #expect(try connack(user: "anyone", password: "pw-1") == 0, "the PSK identity is the user name")
        #expect(try connack(user: "other", password: "pw-2") == 4, "CONNECT's user name does not count")
    }

    // MARK: config check

    /// config check reads the client ssl block as preflight does, and --probe asks the
    /// backend once over the same TLS client: reached, or why not.
    @Test func configCheckProbesTheBackend() throws {
        let (folder, server) = try Self.backend()
        try folder.write("emqx.conf", Self.listeners + "\n" + Self.guideBlock(port: server.port))
        let reached = try Emqxctl.run(["config", "check", "--probe", "emqx.conf"], in: folder.path)
        #expect(reached.status == 0, "\(reached)")
        #expect(reached.stdout.contains("note[probe-authentication]") && reached.stdout.contains("verify_peer"), "\(reached)")
        #expect(server.requests.contains { ($0["body"] as? String ?? "").contains("emqxctl-probe") })
        // A server name the certificate does not have: the probe says the handshake failed.
        try folder.write(
            "wrong.conf", Self.listeners + "\n" + Self.guideBlock(port: server.port, ssl: "server_name_indication = \"auth.example.com\""))
        let refused = try Emqxctl.run(["config", "check", "--probe", "wrong.conf"], in: folder.path)
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stdout.contains("error[probe-authentication]") && refused.stdout.contains("TLS"), "\(refused)")
        // Without --probe nothing goes on the network; a bad SNI value and a key that is not
        // the certificate's are found from the files.
        try folder.write(
            "bad.conf",
            Self.listeners + "\n"
                + Self.guideBlock(port: server.port, ssl: "server_name_indication = \"https://auth:8443\"").replacingOccurrences(
                    of: "etc/certs/client-key.pem", with: "etc/certs/device1-key.pem"))
        let bad = try Emqxctl.run(["config", "check", "bad.conf"], in: folder.path)
        #expect(bad.status == 2)
        #expect(bad.stdout.contains("error[key-mismatch]: authentication.1.ssl.keyfile"), "\(bad)")
        #expect(bad.stdout.contains("error[invalid-value]: authentication.1.ssl.server_name_indication"), "\(bad)")
    }
}
