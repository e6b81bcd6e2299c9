/// `log`: only what serve applies, `log.console.formatter` (EMQX's `text` or `json`); every
/// other key is accepted with a note that serve does not apply it (serve logs to stderr, at
/// `--log-level`).
public struct LogConfig: Sendable, Equatable {
    public enum Formatter: String, Sendable, CaseIterable {
        case text
        case json
    }

    public var consoleFormatter = Formatter.text

    public init() {}

    init(_ reader: inout ObjectReader) {
        if reader.value("console") != nil {
            var console = reader.object("console")
            consoleFormatter = console.choice("formatter", default: .text)
            console.notApplied(
                ["enable", "level", "time_offset", "single_line", "timestamp_format", "payload_encode", "max_depth"],
                why: "serve logs to stderr at --log-level")
            console.finish()
        }
        for key in reader.object.keys where key != "console" {
            reader.notApplied([key], why: "serve logs to stderr only")
        }
        reader.finish()
    }
}
