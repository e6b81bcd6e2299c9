/// A config value with the place it was written (nil when it is a default), and its key path,
/// so that checks run later (preflight) can still point at the line.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var location: SourceLocation?
    public var keyPath: String

    public init(_ value: Value, at location: SourceLocation?, keyPath: String) {
        self.value = value
        self.location = location
        self.keyPath = keyPath
    }
}

extension Located: Equatable where Value: Equatable {}
