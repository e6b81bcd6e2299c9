/// Reads one HOCON object into typed fields, EMQX-style: each accessor declares a key,
/// type-checks its value, reports a located diagnostic on a bad value and falls back to the
/// default, and `finish()` reports every key no accessor declared, with a did-you-mean.
struct ObjectReader {
    let object: HOCONObject
    let keyPath: String
    let location: SourceLocation?
    let context: DecodingContext
    private(set) var declared: [String] = []

    var sink: DiagnosticSink { context.sink }

    /// A reader for `value`; a value that is not an object is reported and read as empty.
    init(_ value: HOCONValue?, keyPath: String, context: DecodingContext) {
        self.keyPath = keyPath
        self.context = context
        self.location = value?.location
        if let value, let object = value.object {
            self.object = object
        } else {
            if let value, !value.kind.isNull {
                context.sink.report(.invalidValue, .error, value.location, keyPath, "expected an object, found \(value.kindName)")
            }
            self.object = HOCONObject()
        }
    }

    func path(_ key: String) -> String { keyPath.isEmpty ? key : "\(keyPath).\(key)" }

    /// Where `key` is written, else where this object is.
    func keyLocation(_ key: String) -> SourceLocation? { object.keyLocation(key) ?? location }

    /// Declares `key` (and its aliases) and returns its value; null counts as absent. The key
    /// goes into the ledger as read: a key that `serve` applies.
    mutating func value(_ key: String, aliases: [String] = []) -> HOCONValue? {
        context.ledger.record(path(key), .applied)
        return lookUp(key, aliases: aliases)
    }

    private mutating func lookUp(_ key: String, aliases: [String] = []) -> HOCONValue? {
        declared.append(key)
        declared.append(contentsOf: aliases)
        for name in [key] + aliases {
            if let value = object[name], !value.kind.isNull { return value }
        }
        return nil
    }

    mutating func bool(_ key: String, default fallback: Bool, aliases: [String] = []) -> Bool {
        guard let value = value(key, aliases: aliases) else { return fallback }
        switch value.kind {
        case .bool(let flag): return flag
        case .string("true"): return true
        case .string("false"): return false
        default:
            invalid(key, value, "expected true or false")
            return fallback
        }
    }

    mutating func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let value = value(key) else { return fallback }
        guard let text = value.scalarText, let number = Int(text) else {
            invalid(key, value, "expected a whole number")
            return fallback
        }
        guard range.contains(number) else {
            sink.report(.outOfRange, .error, value.location, path(key), "\(number) is out of range; allowed: \(Self.describe(range))")
            return fallback
        }
        return number
    }

    mutating func string(_ key: String, default fallback: String) -> String {
        located(key)?.value ?? fallback
    }

    /// A string with its location; nil when absent.
    mutating func located(_ key: String) -> Located<String>? {
        guard let value = value(key) else { return nil }
        guard let text = value.scalarText else {
            invalid(key, value, "expected a string")
            return nil
        }
        return Located(text, at: value.location, keyPath: path(key))
    }

    /// A duration; a bare number is milliseconds and draws a warning.
    mutating func duration(_ key: String, default fallback: ConfigDuration) -> ConfigDuration {
        guard let value = value(key) else { return fallback }
        guard let text = value.scalarText else {
            invalid(key, value, "expected a duration such as 15s, 5m or 1h")
            return fallback
        }
        if let milliseconds = Int64(text) {
            guard milliseconds >= 0 else {
                sink.report(.invalidValue, .error, value.location, path(key), "a duration cannot be negative")
                return fallback
            }
            sink.report(
                .durationBareNumber, .warning, value.location, path(key),
                "\(text) has no unit, so it means \(text) milliseconds",
                hint: "write \(text)ms to keep that, or add the unit you meant (\(text)s)"
            )
            return ConfigDuration(milliseconds: milliseconds)
        }
        guard let duration = ConfigDuration(parsing: text) else {
            invalid(key, value, "\"\(text)\" is not a valid duration; use a number with ms, s, m, h or d (15s, 1h30m)")
            return fallback
        }
        return duration
    }

    mutating func byteSize(_ key: String, default fallback: Int?) -> Int? {
        guard let value = value(key) else { return fallback }
        guard let text = value.scalarText, let bytes = ConfigByteSize.parse(text) else {
            invalid(
                key, value,
                "\"\(value.scalarText ?? value.kindName)\" is not a valid byte size; use a number with B, KB, MB or GB (4KB, 1MB)")
            return fallback
        }
        return bytes
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, default fallback: Choice) -> Choice
    where Choice.RawValue == String {
        guard let value = value(key) else { return fallback }
        let allowed = Choice.allCases.map(\.rawValue)
        guard let text = value.scalarText, let choice = Choice(rawValue: text) else {
            let suggestion = value.scalarText.flatMap { Suggestion.closest(to: $0, in: allowed) }
            invalid(
                key, value,
                "\"\(value.scalarText ?? value.kindName)\" is not one of \(allowed.joined(separator: ", "))"
                    + (suggestion.map { "; did you mean \($0)?" } ?? ""))
            return fallback
        }
        return choice
    }

    /// A nested object's reader (empty when the key is absent).
    mutating func object(_ key: String) -> ObjectReader {
        ObjectReader(value(key), keyPath: path(key), context: context)
    }

    /// Keys EMQX accepts that `serve` does not apply: each one written gets a diagnostic that
    /// says so, a note for harmless tuning and a warning for anything a user relies on (for
    /// security, or to bound load). Nothing accepted goes silently unenforced. With `when`
    /// false (a value that asks for nothing serve lacks, such as `proxy_protocol = false`),
    /// nothing is reported.
    mutating func notApplied(_ keys: [String], _ severity: Diagnostic.Severity = .note, why: String, when: Bool = true) {
        for key in keys {
            context.ledger.record(path(key), .notApplied(severity))
            guard let value = lookUp(key), when else { continue }
            sink.report(
                .noEffect, severity, keyLocation(key) ?? value.location, path(key), "accepted, but serve does not apply it: \(why)")
        }
    }

    /// Declares keys that are read elsewhere (by another reader of the same object).
    mutating func declare(_ keys: [String]) { declared.append(contentsOf: keys) }

    /// Reports every key that nothing declared.
    func finish() {
        for key in object.keys where !declared.contains(key) {
            let suggestion = Suggestion.closest(to: key, in: declared)
            sink.report(
                .unknownKey, .error, object.keyLocation(key), path(key),
                "unknown key \"\(key)\"" + (suggestion.map { "; did you mean \"\($0)\"?" } ?? ""),
                hint: suggestion == nil ? "known keys here: \(Set(declared).sorted().joined(separator: ", "))" : ""
            )
        }
    }

    func invalid(_ key: String, _ value: HOCONValue, _ message: String) {
        sink.report(.invalidValue, .error, value.location, path(key), message)
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "\(range.lowerBound) or more" }
        return "\(range.lowerBound) to \(range.upperBound)"
    }
}
