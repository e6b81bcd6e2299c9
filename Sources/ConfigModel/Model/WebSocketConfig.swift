import Foundation

/// A ws or wss listener's `websocket { … }`, with EMQX 5.8's defaults.
public struct WebSocketConfig: Sendable, Equatable {
    /// The HTTP path the upgrade must ask for.
    public var mqttPath = "/mqtt"
    /// The largest frame accepted, nil for no limit (EMQX's `infinity`).
    public var maxFrameSize: Int?
    /// An upgrade without a Sec-WebSocket-Protocol EMQX supports is refused.
    public var failIfNoSubprotocol = true
    public var supportedSubprotocols = ["mqtt", "mqtt-v3", "mqtt-v3.1.1", "mqtt-v5"]
    public var checkOriginEnable = false
    public var allowOriginAbsence = true
    public var checkOrigins = ["http://localhost:18083", "http://127.0.0.1:18083"]
    /// Where a proxy in front puts the client's address and port (lowercased); believed only
    /// from a proxy on loopback or a private network.
    public var proxyAddressHeader = "x-forwarded-for"
    public var proxyPortHeader = "x-forwarded-port"
    /// Offer permessage-deflate (RFC 7692) to clients that ask for it, as `deflate` says.
    public var compress = false
    public var deflate = DeflateOptions()
    /// A connection that sends nothing for this long is closed; nil for never (`infinity`).
    public var idleTimeout: ConfigDuration? = .seconds(7200)

    public init() {}

    init(_ reader: inout ObjectReader) {
        if let path = reader.located("mqtt_path") {
            if path.value.hasPrefix("/"), !path.value.contains(" ") {
                mqttPath = path.value
            } else {
                reader.sink.report(
                    .invalidValue, .error, path.location, path.keyPath, "\"\(path.value)\" is not an HTTP path",
                    hint: "write a path that starts with / (EMQX's default is /mqtt)")
            }
        }
        reader.notApplied(
            ["mqtt_piggyback"],
            why:
                "the broker sends each packet in a frame of its own, which clients of either setting read; it reads several packets to a frame either way"
        )
        compress = reader.bool("compress", default: false)
        if let value = reader.value("idle_timeout"), value.scalarText == "infinity" {
            idleTimeout = nil
        } else {
            idleTimeout = reader.duration("idle_timeout", default: .seconds(7200))
            if idleTimeout == ConfigDuration(milliseconds: 0), let value = reader.value("idle_timeout") {
                reader.sink.report(
                    .invalidValue, .error, value.location, reader.path("idle_timeout"), "an idle_timeout of 0 closes every connection",
                    hint: "write a duration (EMQX's default is 7200s), or infinity")
            }
        }
        if let value = reader.value("max_frame_size") {
            if value.scalarText != "infinity" {
                maxFrameSize = reader.byteSize("max_frame_size", default: nil)
            }
        }
        failIfNoSubprotocol = reader.bool("fail_if_no_subprotocol", default: true)
        if let list = reader.commaSeparated("supported_subprotocols") {
            let known = ["mqtt", "mqtt-v3", "mqtt-v3.1.1", "mqtt-v5"]
            for name in list.value where !known.contains(name) {
                reader.sink.report(
                    .invalidValue, .warning, list.location, list.keyPath, "\"\(name)\" is not an MQTT WebSocket subprotocol",
                    hint: "clients ask for \(known.joined(separator: ", "))")
            }
            if list.value.isEmpty {
                reader.sink.report(.invalidValue, .error, list.location, list.keyPath, "supported_subprotocols is empty")
            }
            supportedSubprotocols = list.value
        }
        checkOriginEnable = reader.bool("check_origin_enable", default: false)
        allowOriginAbsence = reader.bool("allow_origin_absence", default: true)
        if let list = reader.commaSeparated("check_origins") {
            for origin in list.value where !Self.isOrigin(origin) {
                reader.sink.report(
                    .invalidValue, .error, list.location, list.keyPath, "\"\(origin)\" is not an origin",
                    hint: "write scheme://host[:port], as a browser sends it (https://dashboard.example.com)")
            }
            checkOrigins = list.value
        }
        proxyAddressHeader = reader.string("proxy_address_header", default: "x-forwarded-for").lowercased()
        proxyPortHeader = reader.string("proxy_port_header", default: "x-forwarded-port").lowercased()
        var deflateReader = reader.object("deflate_opts")
        deflate = DeflateOptions(&deflateReader)
        if !compress, reader.value("deflate_opts") != nil, let location = reader.keyLocation("deflate_opts") {
            reader.sink.report(
                .noEffect, .note, location, reader.path("deflate_opts"), "deflate_opts has no effect while compress is false")
        }
        reader.notApplied(
            ["validate_utf8"], why: "text frames are refused (close code 1003), so there is no text to validate; MQTT is binary")
        reader.finish()
    }

    /// `scheme://host[:port]`, with no path: what a browser's Origin header holds.
    static func isOrigin(_ text: String) -> Bool {
        guard let schemeEnd = text.range(of: "://") else { return false }
        let scheme = text[..<schemeEnd.lowerBound]
        let rest = text[schemeEnd.upperBound...]
        guard ["http", "https"].contains(scheme.lowercased()), !rest.isEmpty, !rest.contains("/") else { return false }
        let host = rest.split(separator: ":", maxSplits: 1)
        if host.count == 2, UInt16(host[1]) == nil { return false }
        return !host[0].isEmpty
    }
}

extension ObjectReader {
    /// A comma-separated string (`"a, b"`) or an array of strings, as EMQX's
    /// comma_separated_list reads it.
    mutating func commaSeparated(_ key: String) -> Located<[String]>? {
        guard let value = value(key) else { return nil }
        var items: [String] = []
        switch value.kind {
        case .array(let elements):
            items = elements.compactMap(\.scalarText)
        case .string(let text):
            items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            invalid(key, value, "expected a comma-separated string or an array of strings")
        }
        return Located(items, at: value.location, keyPath: path(key))
    }
}
