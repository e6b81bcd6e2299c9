/// A HOCON duration as EMQX reads it: `15s`, `1h30m`, `1.5s`, `500ms`; units ms, s, m, h, d, w
/// and f (fortnight), case-insensitive, combinable, no spaces. A bare number means
/// milliseconds (flagged with a warning where read, because `proxy_protocol_timeout = 8` means
/// 8 ms, not 8 s).
public struct ConfigDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ seconds: Int64) -> ConfigDuration { ConfigDuration(milliseconds: seconds * 1000) }
    public static func minutes(_ minutes: Int64) -> ConfigDuration { .seconds(minutes * 60) }

    public var seconds: Double { Double(milliseconds) / 1000 }

    /// Parses the unit form; nil when it is not a duration. Bare numbers are the caller's call.
    public init?(parsing text: String) {
        let units: [(String, Double)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
            ("f", 1_209_600_000),
        ]
        var rest = Substring(text.lowercased())
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != ".",
                let value = Double(number)
            else { return nil }
            rest = rest.dropFirst(number.count)
            // Longest unit first, so "ms" is not read as "m" followed by "s".
            guard let (unit, factor) = units.first(where: { rest.hasPrefix($0.0) && ($0.0 != "m" || !rest.hasPrefix("ms")) })
            else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * factor
        }
        guard total.isFinite, total <= Double(Int64.max / 2) else { return nil }
        milliseconds = Int64(total.rounded())
    }

    /// The shortest exact rendering: `15s`, `5m`, `1500ms`.
    public var description: String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds != 0 && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }
}

/// A HOCON byte size as EMQX reads it: digits then one of b, B, kb, KB, mb, MB, gb, GB (powers
/// of 1024), or a bare integer meaning bytes. Mixed case (`Kb`), decimals and a bare `K` are
/// not sizes.
public enum ConfigByteSize {
    public static func parse(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let value = Int(digits) else { return nil }
        let factor: Int
        switch text.dropFirst(digits.count) {
        case "": factor = 1
        case "b", "B": factor = 1
        case "kb", "KB": factor = 1 << 10
        case "mb", "MB": factor = 1 << 20
        case "gb", "GB": factor = 1 << 30
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }

    /// `4KB`, `1MB`, or plain bytes.
    public static func render(_ bytes: Int) -> String {
        for (unit, size) in [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] where bytes != 0 && bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return "\(bytes)"
    }
}
