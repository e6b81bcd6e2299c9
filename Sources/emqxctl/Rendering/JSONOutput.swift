import Foundation

/// The one JSON encoder of the CLI's `--format json` output: pretty, sorted keys, ISO 8601
/// dates, unescaped slashes, and empty arrays as `[]` (Foundation on Linux writes them with a
/// blank line inside).
enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        return text.replacingOccurrences(of: #"\[\s*\n\s*\]"#, with: "[]", options: .regularExpression) + "\n"
    }
}
