/// `psk_authentication`, plus emqxctl's `secret_encoding`.
public struct PSKAuthenticationConfig: Sendable {
    /// How the text after the separator becomes key bytes.
    public enum SecretEncoding: String, Sendable, CaseIterable {
        /// The bytes as written (EMQX's behaviour).
        case raw
        /// Hex digits, decoded (mosquitto's and `openssl s_client -psk`'s convention).
        case hex
    }

    public var enable = false
    public var initFile: Located<String>?
    public var separator = ":"
    public var chunkSize = 50
    public var secretEncoding = SecretEncoding.raw
    public var location: SourceLocation?

    public init() {}

    init(_ reader: inout ObjectReader, context: DecodingContext) {
        location = reader.location
        enable = reader.bool("enable", default: false)
        initFile = reader.located("init_file").map(context.expandPath)
        if let value = reader.located("separator") {
            if value.value.isEmpty {
                reader.sink.report(
                    .pskSeparator, .error, value.location, value.keyPath, "the separator is empty", hint: "use \":\" (the default)")
            } else {
                separator = value.value
            }
        }
        if let value = reader.value("chunk_size") {
            if let text = value.scalarText, let size = Int(text), size >= 1 {
                chunkSize = size
            } else {
                reader.sink.report(
                    .pskChunkSize, .error, value.location, reader.path("chunk_size"),
                    "chunk_size must be a whole number of at least 1, not \(value.scalarText ?? value.kindName)",
                    hint: "EMQX hangs at boot with 0; the default is 50"
                )
            }
        }
        secretEncoding = reader.choice("secret_encoding", default: .raw)
        reader.finish()
    }
}
