/// A listener's `tcp_options`, with EMQX's defaults.
public struct TCPOptions: Sendable {
    public var backlog = 1024
    public var sendTimeout = ConfigDuration.seconds(15)
    public var recbuf: Int?
    public var sndbuf: Int?
    public var nodelay = true
    public var nolinger = false
    public var reuseaddr = true
    /// `"none"` or `"Idle,Interval,Probes"` in seconds.
    public var keepalive = "none"
    /// Past this many bytes waiting to be sent, a connection is busy (NIO's writability) until
    /// half of them are gone. Default 1MB, as EMQX.
    public var highWatermark = 1 << 20

    /// `keepalive` as its three numbers (idle seconds, probe interval, probes), nil for none.
    public var keepaliveProbes: (idle: Int, interval: Int, count: Int)? {
        let parts = keepalive.split(separator: ",").compactMap { Int(String($0).trimmingWhitespace) }
        guard keepalive != "none", parts.count == 3 else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    public init() {}

    init(_ reader: inout ObjectReader) {
        backlog = reader.integer("backlog", default: 1024, range: 1...Int(Int32.max))
        sendTimeout = reader.duration("send_timeout", default: .seconds(15))
        recbuf = reader.byteSize("recbuf", default: nil)
        sndbuf = reader.byteSize("sndbuf", default: nil)
        nodelay = reader.bool("nodelay", default: true)
        nolinger = reader.bool("nolinger", default: false)
        reuseaddr = reader.bool("reuseaddr", default: true)
        if let keepalive = reader.located("keepalive") {
            self.keepalive = keepalive.value
            if let problem = Self.keepaliveProblem(keepalive.value) {
                reader.sink.report(.invalidValue, .error, keepalive.location, keepalive.keyPath, problem)
            }
        }
        highWatermark = reader.byteSize("high_watermark", default: highWatermark) ?? highWatermark
        // Validated as a size, though NIO has no equivalent of Erlang's driver buffer.
        _ = reader.byteSize("buffer", default: nil)
        reader.notApplied(["buffer", "active_n"], why: "these tune Erlang's socket driver")
        reader.notApplied(
            ["send_timeout_close"], why: "a send that times out always closes the connection",
            when: reader.object["send_timeout_close"]?.scalarText == "false")
        reader.finish()
    }

    /// EMQX's rule: "none" or three comma-separated positive integers within Linux's ranges x10.
    static func keepaliveProblem(_ text: String) -> String? {
        if text == "none" { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int(String($0).trimmingWhitespace) }
        guard parts.count == 3, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            return "\"\(text)\" is not \"none\" or comma-separated positive integers in the form Idle,Interval,Probes"
        }
        let limits = [("Idle", 72000), ("Interval", 750), ("Probes", 90)]
        for (value, (name, limit)) in zip(parts, limits) where value! > limit {
            return "TCP keepalive \(name) must be between 1 and \(limit), not \(value!)"
        }
        return nil
    }
}
