/// A resolved HOCON value: includes inlined, objects merged, substitutions replaced. Every
/// value keeps the place it came from, in a file, an included file, or an environment override.
public struct HOCONValue: Sendable {
    public enum Kind: Sendable {
        case object(HOCONObject)
        case array([HOCONValue])
        /// A string, quoted or not.
        case string(String)
        /// A number as written (`8883`, `1.5`, `-1`), so no precision is lost before a field
        /// decides what it wants.
        case number(String)
        case bool(Bool)
        case null
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public var object: HOCONObject? { if case .object(let object) = kind { object } else { nil } }

    /// The text of a scalar (string, number or boolean), as a string field would read it.
    public var scalarText: String? {
        switch kind {
        case .string(let text), .number(let text): text
        case .bool(let value): value ? "true" : "false"
        default: nil
        }
    }

    /// Whether `other` holds the same values, wherever either was written (a reload asks
    /// whether a block changed, not whether it moved).
    public func hasSameContent(as other: HOCONValue) -> Bool {
        switch (kind, other.kind) {
        case (.object(let a), .object(let b)):
            return a.keys == b.keys && a.keys.allSatisfy { a[$0]!.hasSameContent(as: b[$0]!) }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.hasSameContent(as: $1) }
        case (.string(let a), .string(let b)), (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// What kind of value this is, for messages: "a string", "an object", …
    public var kindName: String {
        switch kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// An object's fields in the order they were first written, each with where its key is.
public struct HOCONObject: Sendable {
    public private(set) var keys: [String] = []
    private var values: [String: HOCONValue] = [:]
    private var keyLocations: [String: SourceLocation] = [:]

    public init() {}

    public subscript(key: String) -> HOCONValue? { values[key] }

    /// Where `key` was (last) written; for a key set by an include or an override, that place.
    public func keyLocation(_ key: String) -> SourceLocation? { keyLocations[key] }

    public var isEmpty: Bool { keys.isEmpty }

    mutating func set(_ key: String, _ value: HOCONValue, keyLocation: SourceLocation) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
        keyLocations[key] = keyLocation
    }

    mutating func remove(_ key: String) {
        guard values.removeValue(forKey: key) != nil else { return }
        keys.removeAll { $0 == key }
        keyLocations[key] = nil
    }

    /// The value at a dotted path below this object.
    public func value(at path: [String]) -> HOCONValue? {
        guard let first = path.first, let value = values[first] else { return nil }
        if path.count == 1 { return value }
        return value.object?.value(at: Array(path.dropFirst()))
    }
}
