import ArgumentParser
import Foundation
import MQTTBench
import MQTTCore

extension EmqxCtl {
    /// `emqxctl bench conn|pub|sub`: a load generator on the broker's own codec; `bench
    /// handshake`: a listener's TLS cost per handshake, in memory.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load an MQTT broker: connection rate, messages/s and QoS 1 latency; a listener's TLS cost per handshake.",
            discussion: """
                In the style of emqtt-bench, against emqxctl serve or any MQTT broker. Every \
                run stops after --duration. Run `bench sub` and `bench pub` in two processes; \
                the subscriber reports end-to-end latency from timestamps the publisher puts \
                in each payload (both on this machine's monotonic clock).

                EXAMPLES
                  emqxctl bench sub --clients 4 --topic 'bench/#' --qos 1 --duration 12 &
                  emqxctl bench pub --clients 4 --qos 1 --size 64 --duration 10
                  emqxctl bench conn --duration 5
                  emqxctl bench conn --port 8883 --cafile data/certs/cacert.pem \\
                      --servername localhost
                  emqxctl bench pub --port 8883 --psk-identity device-1 --psk 736563726574 \\
                      --tls-version tlsv1.2

                Over TLS, `bench conn` makes a full handshake for every connection (no session \
                resumption), so its rate is full handshakes per second. `bench handshake` \
                needs no broker: it measures a listener's TLS per handshake in memory.

                EXIT CODES
                  0 measured; 1 nothing succeeded (no connection, nothing published, nothing
                  received): stderr says why, each kind of failure with its count; 64 bad usage
                """,
            subcommands: [Conn.self, Pub.self, Sub.self, Handshake.self, Floor.self]
        )
    }
}

struct BenchCommonOptions: ParsableArguments {
    @Option(help: "Broker host.")
    var host = "127.0.0.1"

    @Option(help: "Broker port.")
    var port = 1883

    @Option(help: "Seconds to run (1 to 3600).")
    var duration = 10.0

    @Option(help: "MQTT version: 3 (3.1.1) or 5.")
    var mqttVersion = 5

    @Flag(help: "MQTT over WebSocket (ws, or wss with the TLS options), at --ws-path.")
    var ws = false

    @Option(help: ArgumentHelp("The WebSocket path, with --ws.", valueName: "path"))
    var wsPath = "/mqtt"

    @OptionGroup(title: "TLS") var tls: BenchTLSOptions

    @Option(help: "The user name every CONNECT carries.")
    var username: String?

    @Option(help: ArgumentHelp("The environment variable that holds the password every CONNECT carries.", valueName: "name"))
    var passwordEnv: String?

    @Option(
        help: ArgumentHelp(
            "Sessions that outlive their connections: clean start off, and this Session Expiry Interval (5.0).", valueName: "seconds"))
    var sessionExpiry: UInt32?

    func validate() throws {
        guard (1...3600).contains(duration) else { throw ValidationError("--duration must be between 1 and 3600 seconds") }
        guard mqttVersion == 3 || mqttVersion == 5 else { throw ValidationError("--mqtt-version is 3 or 5") }
    }

    func options(_ mode: BenchOptions.Mode) throws -> BenchOptions {
        var options = BenchOptions(mode: mode)
        options.host = host
        options.port = port
        options.duration = duration
        options.version = mqttVersion == 5 ? .v5 : .v3_1_1
        options.tls = try tls.options(host: host)
        options.websocketPath = ws ? wsPath : nil
        options.username = username
        options.sessionExpiry = sessionExpiry
        if let passwordEnv {
            guard let password = ProcessInfo.processInfo.environment[passwordEnv] else {
                throw ValidationError("--password-env \(passwordEnv): no such environment variable")
            }
            options.password = Array(password.utf8)
        }
        return options
    }
}

struct BenchTrafficOptions: ParsableArguments {
    @Option(help: "Clients (1 to 10000).")
    var clients = 1

    @Option(help: "QoS 0, 1 or 2.")
    var qos = 0

    @Option(help: "Topic; %i is replaced by the client number.")
    var topic = "bench/%i"

    func validate() throws {
        guard (1...10_000).contains(clients) else { throw ValidationError("--clients must be between 1 and 10000") }
        guard (0...2).contains(qos) else { throw ValidationError("--qos is 0, 1 or 2") }
    }

    func apply(to options: inout BenchOptions) {
        options.clients = clients
        options.qos = QoS(rawValue: UInt8(qos))!
        options.topic = topic
    }
}

extension EmqxCtl.Bench {
    struct Conn: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connections per second: CONNECT, CONNACK, DISCONNECT, one after another (or --concurrency at once).")

        @OptionGroup var common: BenchCommonOptions

        @Option(help: "New connections per second; 0 means as fast as possible.")
        var rate = 0

        @Option(help: "Connections in flight at once (1 to 1000), each followed by the next as it closes.")
        var concurrency = 1

        func validate() throws {
            guard (1...1000).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 1000") }
            if concurrency > 1 && rate > 0 { throw ValidationError("--rate paces one connection at a time; drop it or --concurrency") }
        }

        func run() throws {
            var options = try common.options(.connect)
            options.connectRate = rate
            options.clients = concurrency
            let report = try LoadGenerator.run(options)
            Console.output(
                String(
                    format: "conn: %d connected, %d failed in %.1f s = %.0f connections/s\n", report.connected, report.failed,
                    report.seconds, Double(report.connected) / report.seconds))
            try report.failIfNothing(report.connected == 0, "no connection succeeded")
        }
    }

    struct Pub: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Publish as fast as allowed (or at --rate) and report messages/s.")

        @OptionGroup var common: BenchCommonOptions
        @OptionGroup var traffic: BenchTrafficOptions

        @Option(help: "Payload bytes (8 to 1048576; the first 8 are a timestamp).")
        var size = 64

        @Option(help: "Messages per second per client; 0 means as fast as the window allows.")
        var rate = 0

        @Option(help: "Unacknowledged QoS 1/2 messages per client.")
        var window = 32

        func validate() throws {
            guard (8...(1 << 20)).contains(size) else { throw ValidationError("--size must be between 8 and 1048576") }
        }

        func run() throws {
            var options = try common.options(.publish)
            traffic.apply(to: &options)
            options.payloadSize = size
            options.rate = rate
            options.window = window
            let report = try LoadGenerator.run(options)
            Console.output(
                String(
                    format: "pub: %d clients, QoS %d, %d B: %d sent, %d acknowledged in %.1f s = %.0f msg/s\n", report.connected,
                    traffic.qos, size,
                    report.published, report.acknowledged, report.seconds, Double(report.published) / report.seconds
                )
            )
            try report.failIfNothing(report.connected == 0 || report.published == 0, "nothing was published")
        }
    }

    struct Sub: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Subscribe, count what arrives, and report messages/s and latency percentiles.")

        @OptionGroup var common: BenchCommonOptions
        @OptionGroup var traffic: BenchTrafficOptions

        func run() throws {
            var options = try common.options(.subscribe)
            traffic.apply(to: &options)
            let report = try LoadGenerator.run(options)
            // The rate over the time messages were arriving, not the whole --duration.
            var line = String(
                format: "sub: %d clients: %d received in %.1f s = %.0f msg/s", report.connected, report.received, report.seconds,
                report.receiveRate)
            if let p50 = report.percentile(0.5), let p99 = report.percentile(0.99) {
                line += String(format: "; latency p50 %.3f ms, p99 %.3f ms", p50, p99)
            }
            Console.output(line + "\n")
            let why = report.connected == 0 ? "no client connected" : "nothing arrived (no publisher, or nothing matched --topic)"
            try report.failIfNothing(report.received == 0, why)
        }
    }
}

extension BenchReport {
    /// Says on stderr why connections failed, the first words of each kind with a count; and
    /// when nothing succeeded, says so and exits 1 (a benchmark of nothing is not a result).
    func failIfNothing(_ nothing: Bool, _ what: String) throws {
        if failed > 0 { Console.note("failed: \(failureSummary)") }
        guard nothing else { return }
        Console.note("Error: \(what)")
        throw ExitCode.failure
    }
}
