import ConfigModel
import Foundation
import Logging

/// `log.console.formatter = json`: one JSON object per line on stderr, for log shippers:
/// `{"time":"…","level":"info","msg":"…","logger":"emqxctl.broker", …metadata}`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", Self.timestamp()), ("level", event.level.rawValue), ("msg", "\(event.message)"), ("logger", label),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        if !event.source.isEmpty { fields.append(("source", event.source)) }
        let line = "{" + fields.map { "\(QuotedString.json($0.0)):\(QuotedString.json($0.1))" }.joined(separator: ",") + "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
