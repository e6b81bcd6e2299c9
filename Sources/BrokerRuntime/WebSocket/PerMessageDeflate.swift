import ConfigModel
import Foundation

/// permessage-deflate (RFC 7692) as one upgrade agreed it: chosen from the client's offers
/// in `Sec-WebSocket-Extensions` and the listener's `deflate_opts`, and what the broker
/// answers. A pure function of the two, shared by the upgrade's response and its pipeline.
struct PerMessageDeflate: Equatable {
    /// The broker starts each message's compression afresh (it asked, or the client did).
    var serverNoContextTakeover: Bool
    /// The client was told to start each message afresh: its context is reset after each.
    var clientNoContextTakeover: Bool
    /// The broker's window, 2^bits bytes (9...15).
    var serverMaxWindowBits: Int
    /// The window the client was told to stay within, when it offered to be told.
    var clientMaxWindowBits: Int?

    /// The first offer the options can accept, or nil (the upgrade then goes on without).
    /// `headers` are the request's Sec-WebSocket-Extensions values.
    static func negotiate(_ headers: [String], options: DeflateOptions) -> PerMessageDeflate? {
        for offer in headers.flatMap(Self.extensions) where offer.name == "permessage-deflate" {
            if let agreed = accept(offer.parameters, options: options) { return agreed }
        }
        return nil
    }

    /// The response's Sec-WebSocket-Extensions value.
    var responseHeader: String {
        var parts = ["permessage-deflate"]
        if serverNoContextTakeover { parts.append("server_no_context_takeover") }
        if clientNoContextTakeover { parts.append("client_no_context_takeover") }
        if serverMaxWindowBits < 15 { parts.append("server_max_window_bits=\(serverMaxWindowBits)") }
        if let clientMaxWindowBits, clientMaxWindowBits < 15 { parts.append("client_max_window_bits=\(clientMaxWindowBits)") }
        return parts.joined(separator: "; ")
    }

    /// One offer's parameters: nil when one is unknown, repeated or out of range (RFC 7692
    /// §7.1: such an offer is declined), or asks for what zlib cannot do.
    private static func accept(_ parameters: [(name: String, value: String?)], options: DeflateOptions) -> PerMessageDeflate? {
        guard Set(parameters.map(\.name)).count == parameters.count else { return nil }
        var agreed = PerMessageDeflate(
            serverNoContextTakeover: !options.serverContextTakeover, clientNoContextTakeover: !options.clientContextTakeover,
            serverMaxWindowBits: options.serverMaxWindowBits, clientMaxWindowBits: nil)
        func bits(_ value: String?) -> Int? { value.flatMap { Int($0) }.flatMap { (8...15).contains($0) ? $0 : nil } }
        for (name, value) in parameters {
            switch name {
            case "server_no_context_takeover":
                guard value == nil else { return nil }
                agreed.serverNoContextTakeover = true
            case "client_no_context_takeover":
                guard value == nil else { return nil }
                agreed.clientNoContextTakeover = true
            case "server_max_window_bits":
                // zlib cannot compress with an 8-bit window, so an offer that insists on one
                // is declined.
                guard let limit = bits(value), limit >= 9 else { return nil }
                agreed.serverMaxWindowBits = min(agreed.serverMaxWindowBits, limit)
            case "client_max_window_bits":
                // Without a value: the client can be told a window; with one, at most that.
                let limit: Int
                if let value {
                    guard let offered = bits(value) else { return nil }
                    limit = offered
                } else {
                    limit = 15
                }
                agreed.clientMaxWindowBits = min(options.clientMaxWindowBits, limit)
            default:
                return nil
            }
        }
        return agreed
    }

    /// The extensions a header value lists: `name; param; param=value, name2`.
    private static func extensions(_ header: String) -> [(name: String, parameters: [(name: String, value: String?)])] {
        header.split(separator: ",").compactMap { item in
            let fields = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = fields.first, !name.isEmpty else { return nil }
            let parameters = fields.dropFirst().map { field -> (name: String, value: String?) in
                guard let equals = field.firstIndex(of: "=") else { return (field.lowercased(), nil) }
                let value = field[field.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                return (field[..<equals].trimmingCharacters(in: .whitespaces).lowercased(), value.trimmingCharacters(in: ["\""]))
            }
            return (name.lowercased(), Array(parameters))
        }
    }
}
