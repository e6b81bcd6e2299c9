/// A ws or wss listener's `websocket.deflate_opts`: how permessage-deflate (RFC 7692)
/// compresses, with EMQX's names and defaults. Applied when `websocket.compress` is true and
/// a client offers the extension.
public struct DeflateOptions: Sendable, Equatable {
    public enum Level: String, Sendable, CaseIterable {
        case none, `default`, best_compression, best_speed

        /// zlib's level.
        public var zlibLevel: Int32 {
            switch self {
            case .none: 0
            case .default: -1
            case .best_compression: 9
            case .best_speed: 1
            }
        }
    }

    public enum Strategy: String, Sendable, CaseIterable {
        case `default`, filtered, huffman_only, rle
    }

    enum ContextTakeover: String, CaseIterable {
        case takeover, no_takeover
    }

    public var level = Level.default
    /// zlib's memLevel: 1 (least memory) to 9.
    public var memLevel = 8
    public var strategy = Strategy.default
    /// Whether the broker's compression context carries over from message to message.
    public var serverContextTakeover = true
    /// Whether clients are let keep theirs.
    public var clientContextTakeover = true
    /// The broker's LZ77 window, 2^bits bytes; 9 at least, as zlib cannot compress a raw
    /// stream with 8.
    public var serverMaxWindowBits = 15
    /// The most a client may use, when it asks to be told.
    public var clientMaxWindowBits = 15

    public init() {}

    init(_ reader: inout ObjectReader) {
        level = reader.choice("level", default: Level.default)
        memLevel = reader.integer("mem_level", default: 8, range: 1...9)
        strategy = reader.choice("strategy", default: Strategy.default)
        serverContextTakeover = reader.choice("server_context_takeover", default: ContextTakeover.takeover) == .takeover
        clientContextTakeover = reader.choice("client_context_takeover", default: ContextTakeover.takeover) == .takeover
        serverMaxWindowBits = reader.integer("server_max_window_bits", default: 15, range: 8...15)
        if serverMaxWindowBits == 8, let value = reader.value("server_max_window_bits") {
            reader.sink.report(
                .invalidValue, .note, value.location, reader.path("server_max_window_bits"),
                "zlib cannot compress a raw deflate stream with an 8-bit window: serve compresses with 9, and says so to clients")
            serverMaxWindowBits = 9
        }
        clientMaxWindowBits = reader.integer("client_max_window_bits", default: 15, range: 8...15)
        reader.finish()
    }
}
