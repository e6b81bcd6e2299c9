/// A recursive-descent parser for the HOCON that `emqx.conf` files use.
///
/// It never stops at the first mistake: a field that does not parse is reported and skipped
/// up to the end of its line, so a file with three mistakes gets three diagnostics.
struct HOCONParser {
    private var tokens: [HOCONToken]
    private var position = 0
    private let file: String
    /// The `[` tokens of the arrays being parsed, innermost last.
    private var openArrays: [HOCONToken] = []
    /// How deep objects and arrays nest right now. Real configs nest a handful of levels; the
    /// limit keeps hostile input from exhausting the stack of this recursive-descent parser.
    private var depth = 0
    static let maximumDepth = 128
    private(set) var diagnostics: [Diagnostic] = []

    /// Parses `text` as the contents of `file` (used only for locations).
    static func parse(_ text: String, file: String) -> (HOCONSyntax.Object, [Diagnostic]) {
        var lexer = HOCONLexer(text, file: file)
        lexer.tokenize()
        var parser = HOCONParser(tokens: lexer.tokens, file: file)
        let root = parser.parseRoot()
        return (root, lexer.diagnostics + parser.diagnostics)
    }

    /// Parses a value on its own, as EMQX parses environment overrides (`fake_key=<value>`).
    /// Returns nil when the text is not one HOCON value.
    static func parseValue(_ text: String, file: String) -> HOCONSyntax.Value? {
        var lexer = HOCONLexer(text, file: file)
        lexer.tokenize()
        guard lexer.diagnostics.isEmpty else { return nil }
        var parser = HOCONParser(tokens: lexer.tokens, file: file)
        parser.skip { $0 == .newline || $0.isWhitespace }
        guard let value = try? parser.parseValue() else { return nil }
        parser.skip { $0 == .newline || $0.isWhitespace }
        guard parser.current.kind == .endOfFile, parser.diagnostics.isEmpty else { return nil }
        return value
    }

    private init(tokens: [HOCONToken], file: String) {
        self.tokens = tokens
        self.file = file
    }

    private struct Failure: Error {}

    // MARK: Objects

    private mutating func parseRoot() -> HOCONSyntax.Object {
        skip { $0 == .newline || $0.isWhitespace }
        if current.kind == .openBrace {
            // A root in braces: parse it as an object, then only blank space may follow.
            let object = parseObject()
            skip { $0 == .newline || $0.isWhitespace || $0 == .comma }
            if current.kind != .endOfFile {
                error("unexpected text after the closing } of the root object", at: current)
            }
            return object
        }
        let location = here(current)
        let items = parseItems(closing: nil)
        return HOCONSyntax.Object(items: items, location: location)
    }

    /// `{ items }`; the current token is the `{`.
    private mutating func parseObject() -> HOCONSyntax.Object {
        let open = current
        position += 1
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth {
            error("objects and arrays nest more than \(Self.maximumDepth) levels deep here", at: open)
            skipToEndOfInput()
            return HOCONSyntax.Object(items: [], location: here(open))
        }
        let items = parseItems(closing: open)
        return HOCONSyntax.Object(items: items, location: here(open))
    }

    /// Items up to the `}` matching `closing` (consumed), or to end of file for the root.
    private mutating func parseItems(closing: HOCONToken?) -> [HOCONSyntax.Object.Item] {
        var items: [HOCONSyntax.Object.Item] = []
        while true {
            skip { $0 == .newline || $0 == .comma || $0.isWhitespace }
            switch current.kind {
            case .endOfFile:
                if let closing {
                    error("the { opened at line \(closing.line), column \(closing.column) is never closed", at: closing)
                }
                return items
            case .closeBrace:
                if closing != nil {
                    position += 1
                    return items
                }
                error("unexpected }: no { is open here", at: current)
                position += 1
            default:
                let start = position
                defer {
                    // Whatever happened, move on: a stray token must not stall the loop.
                    if position == start { position += 1 }
                }
                do {
                    items.append(try parseItem())
                    // A field must end at a newline, a comma, or the closing brace.
                    skip { $0.isWhitespace }
                    switch current.kind {
                    case .newline, .comma, .endOfFile: break
                    case .closeBrace where closing != nil: break
                    default:
                        error("expected a new line or a comma after this value, found \(current.kind.name)", at: current)
                        recover()
                    }
                } catch {
                    recover()
                }
            }
        }
    }

    private mutating func parseItem() throws -> HOCONSyntax.Object.Item {
        if case .unquoted("include") = current.kind, let include = try parseIncludeIfPresent() {
            return .include(include)
        }
        let path = try parseKey()
        skip { $0.isWhitespace }
        var appends = false
        switch current.kind {
        case .equals, .colon:
            position += 1
        case .plusEquals:
            appends = true
            position += 1
        case .openBrace:
            break  // `key { … }` needs no separator
        default:
            let key = path.map(\.name).joined(separator: ".")
            if case .unquoted = current.kind {
                error("expected = or : after the key \"\(key)\"; keys with spaces must be quoted", at: current)
            } else {
                error("expected =, : or { after the key \"\(key)\", found \(current.kind.name)", at: current)
            }
            throw Failure()
        }
        skip { $0.isWhitespace }
        if current.kind == .newline || current.kind == .endOfFile || current.kind == .comma || current.kind == .closeBrace {
            error("the key \"\(path.map(\.name).joined(separator: "."))\" has no value", at: current)
            throw Failure()
        }
        return .field(HOCONSyntax.Field(path: path, value: try parseValue(), appends: appends))
    }

    /// `include "file"` / `include required("file")`; nil when `include` is just a key
    /// (`include = …`). The lexer hands `required(` and `)` over as unquoted runs.
    private mutating func parseIncludeIfPresent() throws -> HOCONSyntax.Include? {
        let start = position
        let keyword = current
        position += 1
        skip { $0.isWhitespace }
        switch current.kind {
        case .quoted(let path):
            position += 1
            return HOCONSyntax.Include(path: path, required: false, location: here(keyword))
        case .unquoted(let word) where word.hasSuffix("("):
            let function = String(word.dropLast())
            guard function == "required" else {
                error("include \(function)(…) is not supported; EMQX reads include \"file\" and include required(\"file\")", at: current)
                throw Failure()
            }
            position += 1
            guard case .quoted(let path) = current.kind else {
                error("include required( must be followed by a quoted file name", at: current)
                throw Failure()
            }
            position += 1
            guard current.kind == .unquoted(")") else {
                error("expected ) to close include required(", at: current)
                throw Failure()
            }
            position += 1
            return HOCONSyntax.Include(path: path, required: true, location: here(keyword))
        default:
            position = start
            return nil
        }
    }

    /// Gives up on the rest of the file (after a nesting-depth error, nothing after is trustworthy).
    private mutating func skipToEndOfInput() {
        position = tokens.count - 1
    }

    private mutating func recover() {
        // Skip to the end of the line, stepping over any brackets opened on the way.
        var depth = 0
        while true {
            switch current.kind {
            case .endOfFile: return
            case .openBrace, .openBracket: depth += 1
            case .closeBrace:
                if depth == 0 { return }  // the enclosing object's loop closes it
                depth -= 1
            case .closeBracket:
                if depth > 0 { depth -= 1 }  // at depth 0 a stray ], skipped with the line
            case .newline, .comma:
                if depth == 0 { return }
            default: break
            }
            position += 1
        }
    }

    // MARK: Keys

    /// A key path: unquoted runs split at dots, quoted strings taken whole.
    private mutating func parseKey() throws -> [HOCONSyntax.KeySegment] {
        var segments: [HOCONSyntax.KeySegment] = []
        var current = ""
        var currentLocation: SourceLocation?
        var sawAny = false
        loop: while true {
            let token = self.current
            switch token.kind {
            case .unquoted(let text):
                var column = token.column
                for (index, piece) in text.split(separator: ".", omittingEmptySubsequences: false).enumerated() {
                    if index > 0 {
                        guard !current.isEmpty else {
                            error("the key has an empty segment (two dots, or a dot at an end)", at: token)
                            throw Failure()
                        }
                        segments.append(HOCONSyntax.KeySegment(name: current, location: currentLocation!))
                        current = ""
                        currentLocation = nil
                        column += 1
                    }
                    if currentLocation == nil {
                        currentLocation = SourceLocation(file: file, line: token.line, column: column)
                    }
                    current += piece
                    column += piece.unicodeScalars.count
                }
            case .quoted(let text):
                if currentLocation == nil { currentLocation = here(token) }
                current += text
            case .whitespace(let text):
                // Whitespace inside a key only counts when another key part follows.
                let next = tokens[position + 1].kind
                if case .unquoted = next, sawAny {
                    current += text
                } else if case .quoted = next, sawAny {
                    current += text
                } else {
                    break loop
                }
            default:
                break loop
            }
            sawAny = true
            position += 1
        }
        guard sawAny else {
            error("expected a key, found \(self.current.kind.name)", at: self.current)
            throw Failure()
        }
        guard !current.isEmpty, let location = currentLocation else {
            error("the key has an empty segment (two dots, or a dot at an end)", at: tokens[position - 1])
            throw Failure()
        }
        segments.append(HOCONSyntax.KeySegment(name: current, location: location))
        return segments
    }

    // MARK: Values

    /// Parts up to the end of the line, a comma, or a closing bracket.
    private mutating func parseValue() throws -> HOCONSyntax.Value {
        let start = current
        var parts: [HOCONSyntax.Part] = []
        loop: while true {
            let token = current
            switch token.kind {
            case .quoted(let text), .tripleQuoted(let text):
                parts.append(.scalar(text, quoted: true, here(token)))
                position += 1
            case .unquoted(let text):
                parts.append(.scalar(text, quoted: false, here(token)))
                position += 1
            case .substitution(let path, let optional):
                guard let segments = Self.splitPath(path) else {
                    error("\"${\(path)}\" is not a valid substitution path", at: token)
                    throw Failure()
                }
                parts.append(.substitution(segments, optional: optional, here(token)))
                position += 1
            case .openBrace:
                parts.append(.object(parseObject()))
            case .openBracket:
                parts.append(try parseArray())
            case .whitespace(let text):
                position += 1
                let next = current.kind
                if !parts.isEmpty, next != .newline, next != .comma, next != .closeBrace, next != .closeBracket,
                    next != .endOfFile
                {
                    parts.append(.whitespace(text))
                }
            case .colon, .equals:
                if let open = openArrays.last, token.line > open.line {
                    error("expected ] to close the [ opened at line \(open.line), column \(open.column) before this line", at: open)
                } else if let last = parts.last, case .scalar(_, false, _) = last {
                    error("\":\" and \"=\" cannot appear in an unquoted value; quote it (\"127.0.0.1:8883\", \"http://…\")", at: token)
                } else {
                    error("unexpected \(token.kind.name) in a value", at: token)
                }
                throw Failure()
            default:
                break loop
            }
        }
        guard !parts.isEmpty else {
            error("expected a value, found \(current.kind.name)", at: current)
            throw Failure()
        }
        return HOCONSyntax.Value(parts: parts, location: here(start))
    }

    /// `[ value, value … ]`; the current token is the `[`.
    private mutating func parseArray() throws -> HOCONSyntax.Part {
        let open = current
        position += 1
        depth += 1
        openArrays.append(open)
        defer {
            openArrays.removeLast()
            depth -= 1
        }
        if depth > Self.maximumDepth {
            error("objects and arrays nest more than \(Self.maximumDepth) levels deep here", at: open)
            skipToEndOfInput()
            throw Failure()
        }
        var elements: [HOCONSyntax.Value] = []
        while true {
            skip { $0 == .newline || $0 == .comma || $0.isWhitespace }
            switch current.kind {
            case .closeBracket:
                position += 1
                return .array(elements, here(open))
            case .endOfFile:
                error("the [ opened at line \(open.line), column \(open.column) is never closed", at: open)
                throw Failure()
            case .closeBrace:
                error("expected ] to close the [ opened at line \(open.line), column \(open.column), found }", at: current)
                throw Failure()
            default:
                elements.append(try parseValue())
                skip { $0.isWhitespace }
                switch current.kind {
                case .comma, .newline, .closeBracket: break
                default:
                    error("expected a comma or ] after this array element, found \(current.kind.name)", at: current)
                    throw Failure()
                }
            }
        }
    }

    /// Splits a substitution path such as `a.b."c.d"` into segments; nil when malformed.
    static func splitPath(_ path: String) -> [String]? {
        var segments: [String] = []
        var current = ""
        var quoted = false
        var sawQuote = false
        for character in path {
            switch character {
            case "\"":
                quoted.toggle()
                sawQuote = true
            case "." where !quoted:
                guard !current.isEmpty || sawQuote else { return nil }
                segments.append(current)
                current = ""
                sawQuote = false
            default:
                current.append(character)
            }
        }
        guard !quoted, !current.isEmpty || sawQuote else { return nil }
        segments.append(current)
        return segments
    }

    // MARK: Tokens

    private var current: HOCONToken { tokens[position] }

    private mutating func skip(while predicate: (HOCONToken.Kind) -> Bool) {
        while current.kind != .endOfFile && predicate(current.kind) { position += 1 }
    }

    private func here(_ token: HOCONToken) -> SourceLocation {
        SourceLocation(file: file, line: token.line, column: token.column)
    }

    private mutating func error(_ message: String, at token: HOCONToken) {
        diagnostics.append(Diagnostic(.hoconSyntax, .error, at: here(token), message))
    }
}

extension HOCONToken.Kind {
    var isWhitespace: Bool {
        if case .whitespace = self { return true }
        return false
    }

    /// How a token is named in messages.
    var name: String {
        switch self {
        case .openBrace: "{"
        case .closeBrace: "}"
        case .openBracket: "["
        case .closeBracket: "]"
        case .comma: "a comma"
        case .equals: "="
        case .colon: ":"
        case .plusEquals: "+="
        case .newline: "the end of the line"
        case .whitespace: "spaces"
        case .quoted(let text), .tripleQuoted(let text): "\"\(text)\""
        case .unquoted(let text): "\"\(text)\""
        case .substitution(let path, _): "${\(path)}"
        case .endOfFile: "the end of the file"
        }
    }
}
