import Foundation

/// Turns HOCON files into one resolved tree: includes inlined where they stand, repeated keys
/// merged (objects deeply, anything else the later wins), `+=` appended, EMQX environment
/// overrides applied, and then `${…}` substitutions resolved against the whole tree, falling
/// back to the environment.
struct HOCONResolver {
    let fileSystem: any ConfigFileSystem
    let environment: [String: String]
    private(set) var diagnostics: [Diagnostic] = []
    private var includeStack: [String] = []
    private let root = MergeObject(location: nil)

    init(fileSystem: any ConfigFileSystem, environment: [String: String]) {
        self.fileSystem = fileSystem
        self.environment = environment
    }

    // MARK: Loading

    /// Parses `path` into the tree. Returns false when the file cannot be read at all.
    @discardableResult
    mutating func load(path: String) -> Bool {
        load(path: path, into: root, required: true, includedAt: nil)
    }

    /// Parses `text` as if it were the file `path`.
    mutating func load(text: String, path: String) {
        let (syntax, problems) = HOCONParser.parse(text, file: path)
        diagnostics += problems
        includeStack.append(path)
        apply(syntax.items, to: root, directory: (path as NSString).deletingLastPathComponent)
        includeStack.removeLast()
    }

    private mutating func load(path: String, into object: MergeObject, required: Bool, includedAt: SourceLocation?) -> Bool {
        let normalized = (path as NSString).standardizingPath
        if includeStack.contains(normalized) {
            diagnostics.append(
                Diagnostic(
                    .hoconIncludeCycle, .error, at: includedAt,
                    "\"\(path)\" includes itself (through \(includeStack.joined(separator: " -> ")))"
                )
            )
            return false
        }
        let text: String
        do {
            guard let contents = try fileSystem.contents(of: path) else {
                if includedAt == nil {
                    // The main file itself: a missing file, not a missing include.
                    diagnostics.append(
                        Diagnostic(
                            .configFileMissing, .error, at: nil, "the config file \(path) does not exist",
                            hint: "relative paths are read from the working directory; give the path to your emqx.conf"))
                } else if required {
                    diagnostics.append(
                        Diagnostic(
                            .hoconIncludeMissing, .error, at: includedAt,
                            "cannot read \"\(path)\": no such file",
                            hint: "fix the path, or use include \"…\" (without required) if the file is optional"
                        )
                    )
                } else {
                    diagnostics.append(
                        Diagnostic(.hoconIncludeMissing, .note, at: includedAt, "the optional include \"\(path)\" does not exist; skipped")
                    )
                }
                return false
            }
            text = contents
        } catch {
            diagnostics.append(
                Diagnostic(.hoconIncludeMissing, .error, at: includedAt, "cannot read \"\(path)\": \(error.localizedDescription)"))
            return false
        }
        let (syntax, problems) = HOCONParser.parse(text, file: path)
        diagnostics += problems
        includeStack.append(normalized)
        apply(syntax.items, to: object, directory: (path as NSString).deletingLastPathComponent)
        includeStack.removeLast()
        return true
    }

    // MARK: Merging

    private mutating func apply(_ items: [HOCONSyntax.Object.Item], to object: MergeObject, directory: String) {
        for item in items {
            switch item {
            case .include(let include):
                let path = include.path.hasPrefix("/") ? include.path : (directory as NSString).appendingPathComponent(include.path)
                _ = load(path: path, into: object, required: include.required, includedAt: include.location)
            case .field(let field):
                apply(field, to: object, directory: directory)
            }
        }
    }

    private mutating func apply(_ field: HOCONSyntax.Field, to object: MergeObject, directory: String) {
        var target = object
        for segment in field.path.dropLast() {
            target = target.childObject(segment.name, keyLocation: segment.location)
        }
        let last = field.path.last!
        let objects = field.value.parts.compactMap { part -> HOCONSyntax.Object? in
            if case .object(let object) = part { return object }
            return nil
        }
        let onlyObjects = field.value.parts.allSatisfy {
            switch $0 {
            case .object, .whitespace: true
            default: false
            }
        }
        if onlyObjects && !field.appends {
            let child = target.childObject(last.name, keyLocation: last.location)
            for object in objects { apply(object.items, to: child, directory: directory) }
        } else {
            let previous = field.appends ? target.children[last.name] : nil
            let pending = MergeNode(.pending(field.value, directory: directory, appendingTo: previous, appends: field.appends))
            target.set(last.name, pending, keyLocation: last.location)
        }
    }

    /// Sets `path` to `value` the way a field would, for environment overrides.
    mutating func override(path: [String], value: HOCONSyntax.Value, location: SourceLocation) {
        let segments = path.map { HOCONSyntax.KeySegment(name: $0, location: location) }
        apply(HOCONSyntax.Field(path: segments, value: value, appends: false), to: root, directory: "")
    }

    /// Whether the tree has `key` at its root.
    func hasRoot(_ key: String) -> Bool { root.children[key] != nil }

    // MARK: Resolving

    /// The resolved tree.
    mutating func resolve() -> HOCONValue {
        resolve(object: root, location: SourceLocation(file: includeStack.first ?? "", line: 1, column: 1))
    }

    private mutating func resolve(object: MergeObject, location: SourceLocation) -> HOCONValue {
        var result = HOCONObject()
        for key in object.keys {
            guard let child = object.children[key], let keyLocation = object.keyLocations[key] else { continue }
            if let value = resolve(child, keyLocation: keyLocation) {
                result.set(key, value, keyLocation: keyLocation)
            }
        }
        return HOCONValue(.object(result), at: object.location ?? location)
    }

    /// A node's value; nil for an optional substitution that is not defined.
    private mutating func resolve(_ node: MergeNode, keyLocation: SourceLocation) -> HOCONValue? {
        switch node.state {
        case .done(let value): return value
        case .resolving:
            diagnostics.append(
                Diagnostic(.hoconSubstitution, .error, at: keyLocation, "this value refers to itself through a chain of ${…} substitutions")
            )
            return nil
        case .idle: break
        }
        node.state = .resolving
        let value: HOCONValue?
        switch node.content {
        case .object(let object):
            value = resolve(object: object, location: keyLocation)
        case .pending(let syntax, let directory, let previous, let appends):
            var cyclic = false
            let resolved = evaluate(syntax, directory: directory, cyclic: &cyclic)
            node.inCycle = cyclic
            if appends, let new = resolved {
                // `a += b` means `a = ${?a} [b]`.
                var elements: [HOCONValue] = []
                if let previous, let base = resolve(previous, keyLocation: keyLocation) {
                    if case .array(let existing) = base.kind {
                        elements = existing
                    } else {
                        diagnostics.append(
                            Diagnostic(
                                .hoconSyntax, .error, at: new.location, "+= needs an array to append to, but the key holds \(base.kindName)"
                            ))
                    }
                }
                value = HOCONValue(.array(elements + [new]), at: new.location)
            } else {
                value = resolved
            }
        }
        node.state = .done(value)
        return value
    }

    /// Evaluates a value's parts: one part keeps its type; several concatenate. `cyclic` is set
    /// when a substitution met a cycle (already reported), so nothing downstream reports again.
    private mutating func evaluate(_ syntax: HOCONSyntax.Value, directory: String, cyclic: inout Bool) -> HOCONValue? {
        var pieces: [(HOCONValue?, isWhitespace: Bool)] = []
        for part in syntax.parts {
            switch part {
            case .scalar(let text, let quoted, let location):
                pieces.append((Self.scalar(text, quoted: quoted, at: location), false))
            case .whitespace(let text):
                pieces.append((HOCONValue(.string(text), at: syntax.location), true))
            case .substitution(let path, let optional, let location):
                switch lookup(path, at: location) {
                case .value(let found):
                    pieces.append((found, false))
                case .cycle:
                    cyclic = true
                    pieces.append((nil, false))
                case .missing:
                    if !optional {
                        diagnostics.append(
                            Diagnostic(
                                .hoconSubstitution, .error, at: location,
                                "${\(path.joined(separator: "."))} is not defined in the config or the environment",
                                hint: "define it, or write ${?\(path.joined(separator: "."))} to leave the field out when it is not set"
                            )
                        )
                    }
                    pieces.append((nil, false))
                }
            case .object(let object):
                let child = MergeObject(location: object.location)
                apply(object.items, to: child, directory: directory)
                pieces.append((resolve(object: child, location: object.location), false))
            case .array(let elements, let location):
                let values = elements.compactMap { evaluate($0, directory: directory, cyclic: &cyclic) }
                pieces.append((HOCONValue(.array(values), at: location), false))
            }
        }
        let present = pieces.filter { $0.0 != nil && !$0.isWhitespace }.map { $0.0! }
        if present.isEmpty { return nil }
        if present.count == 1 && pieces.count == 1 { return present[0] }
        if present.allSatisfy({ $0.object != nil }) {
            var merged = HOCONObject()
            for value in present {
                for key in value.object!.keys { merged.set(key, value.object![key]!, keyLocation: value.object!.keyLocation(key)!) }
            }
            return HOCONValue(.object(merged), at: syntax.location)
        }
        if present.allSatisfy({ if case .array = $0.kind { true } else { false } }) {
            let elements = present.flatMap { value -> [HOCONValue] in
                if case .array(let elements) = value.kind { return elements }
                return []
            }
            return HOCONValue(.array(elements), at: syntax.location)
        }
        var text = ""
        for (value, _) in pieces {
            guard let value else { continue }
            guard let scalar = value.scalarText ?? (value.kind.isNull ? "null" : nil) else {
                diagnostics.append(
                    Diagnostic(.hoconSyntax, .error, at: value.location, "cannot join \(value.kindName) with text in one value")
                )
                return nil
            }
            text += scalar
        }
        return HOCONValue(.string(text), at: syntax.location)
    }

    enum Lookup {
        case value(HOCONValue)
        case missing
        /// The path leads back into a value being resolved (reported once, here).
        case cycle
    }

    /// A path in the tree, resolving what it passes through; else an environment variable of
    /// that name (`${HOME}`, `${EMQX_ETC_DIR}`).
    private mutating func lookup(_ path: [String], at location: SourceLocation) -> Lookup {
        var object = root
        for (index, segment) in path.enumerated() {
            guard let node = object.children[segment], let keyLocation = object.keyLocations[segment] else { break }
            if case .object(let child) = node.content, index < path.count - 1 {
                object = child
                continue
            }
            if case .resolving = node.state {
                diagnostics.append(
                    Diagnostic(
                        .hoconSubstitution, .error, at: location,
                        "${\(path.joined(separator: "."))} refers back to itself through a cycle of substitutions"
                    )
                )
                return .cycle
            }
            let resolved = resolve(node, keyLocation: keyLocation)
            if node.inCycle { return .cycle }
            let rest = Array(path[(index + 1)...])
            guard let value = rest.isEmpty ? resolved : resolved?.object?.value(at: rest) else { break }
            return .value(value)
        }
        if let text = environment[path.joined(separator: ".")] {
            return .value(HOCONValue(.string(text), at: location))
        }
        return .missing
    }

    /// An unquoted scalar is a number, a boolean or null when it reads as one; otherwise a string.
    static func scalar(_ text: String, quoted: Bool, at location: SourceLocation) -> HOCONValue {
        if quoted { return HOCONValue(.string(text), at: location) }
        switch text {
        case "true": return HOCONValue(.bool(true), at: location)
        case "false": return HOCONValue(.bool(false), at: location)
        case "null": return HOCONValue(.null, at: location)
        default:
            return HOCONValue(isNumber(text) ? .number(text) : .string(text), at: location)
        }
    }

    static func isNumber(_ text: String) -> Bool {
        var scalars = Substring(text)
        if scalars.first == "-" { scalars.removeFirst() }
        guard let first = scalars.first, first.isASCII, first.isNumber else { return false }
        let parts = scalars.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}

extension HOCONValue.Kind {
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// A node of the tree while files are merged: an object being built, or a value whose
/// substitutions are not resolved yet.
final class MergeNode {
    enum Content {
        case object(MergeObject)
        case pending(HOCONSyntax.Value, directory: String, appendingTo: MergeNode?, appends: Bool)
    }

    enum State {
        case idle
        case resolving
        case done(HOCONValue?)
    }

    let content: Content
    var state = State.idle
    /// Whether resolving it ran into a substitution cycle.
    var inCycle = false

    init(_ content: Content) { self.content = content }
}

final class MergeObject {
    private(set) var keys: [String] = []
    private(set) var children: [String: MergeNode] = [:]
    private(set) var keyLocations: [String: SourceLocation] = [:]
    let location: SourceLocation?

    init(location: SourceLocation?) { self.location = location }

    func set(_ key: String, _ node: MergeNode, keyLocation: SourceLocation) {
        if children[key] == nil { keys.append(key) }
        children[key] = node
        keyLocations[key] = keyLocation
    }

    /// The object at `key`, made (or made anew, replacing a non-object) when needed.
    func childObject(_ key: String, keyLocation: SourceLocation) -> MergeObject {
        if let existing = children[key], case .object(let object) = existing.content {
            keyLocations[key] = keyLocation
            return object
        }
        let object = MergeObject(location: keyLocation)
        set(key, MergeNode(.object(object)), keyLocation: keyLocation)
        return object
    }
}
