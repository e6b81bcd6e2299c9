/// Splits HOCON text into tokens, reporting lexical errors (an unterminated string, a bad
/// escape, a forbidden character) as diagnostics and carrying on, so one typo does not hide
/// the rest of the file.
struct HOCONLexer {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1
    private(set) var tokens: [HOCONToken] = []
    private(set) var diagnostics: [Diagnostic] = []

    init(_ text: String, file: String) {
        self.bytes = Array(text.utf8)
        self.file = file
    }

    /// Characters that end an unquoted run (HOCON's forbidden set, minus `@`, which EMQX allows).
    static func endsUnquoted(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "$"), UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "+"),
            UInt8(ascii: "#"), UInt8(ascii: "`"), UInt8(ascii: "^"), UInt8(ascii: "?"), UInt8(ascii: "!"),
            UInt8(ascii: "*"), UInt8(ascii: "&"), UInt8(ascii: "\\"), UInt8(ascii: " "), UInt8(ascii: "\t"),
            UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            true
        default: false
        }
    }

    mutating func tokenize() {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // a UTF-8 byte order mark
        while index < bytes.count {
            let startLine = line
            let startColumn = column
            let byte = bytes[index]
            func emit(_ kind: HOCONToken.Kind) { tokens.append(HOCONToken(kind: kind, line: startLine, column: startColumn)) }
            switch byte {
            case UInt8(ascii: "\n"):
                advance()
                emit(.newline)
            case UInt8(ascii: "\r") where peek(1) == UInt8(ascii: "\n"):
                advance()
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                var text = ""
                while let next = peek(0),
                    next == UInt8(ascii: " ") || next == UInt8(ascii: "\t")
                        || (next == UInt8(ascii: "\r") && peek(1) != UInt8(ascii: "\n"))
                {
                    text.append(Character(Unicode.Scalar(next)))
                    advance()
                }
                if text.isEmpty { advance() } else { emit(.whitespace(text)) }
            case UInt8(ascii: "#"):
                skipComment()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                skipComment()
            case UInt8(ascii: "{"): advance(); emit(.openBrace)
            case UInt8(ascii: "}"): advance(); emit(.closeBrace)
            case UInt8(ascii: "["): advance(); emit(.openBracket)
            case UInt8(ascii: "]"): advance(); emit(.closeBracket)
            case UInt8(ascii: ","): advance(); emit(.comma)
            case UInt8(ascii: "="): advance(); emit(.equals)
            case UInt8(ascii: ":"): advance(); emit(.colon)
            case UInt8(ascii: "+") where peek(1) == UInt8(ascii: "="):
                advance(); advance(); emit(.plusEquals)
            case UInt8(ascii: "\""):
                // A broken string or substitution is reported once here and still becomes a
                // token, so the parser does not report the same line again.
                if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") {
                    emit(.tripleQuoted(lexTripleQuoted(startLine, startColumn) ?? ""))
                } else {
                    emit(.quoted(lexQuoted(startLine, startColumn) ?? ""))
                }
            case UInt8(ascii: "$") where peek(1) == UInt8(ascii: "{"):
                emit(lexSubstitution(startLine, startColumn) ?? .quoted(""))
            default:
                if Self.endsUnquoted(byte) {
                    error("\"\(Character(Unicode.Scalar(byte)))\" is not allowed here; quote the value", startLine, startColumn)
                    advance()
                } else {
                    emit(.unquoted(lexUnquoted()))
                }
            }
        }
        tokens.append(HOCONToken(kind: .endOfFile, line: line, column: column))
    }

    // MARK: Pieces

    private mutating func lexUnquoted() -> String {
        let start = index
        while index < bytes.count, !Self.endsUnquoted(bytes[index]),
            !(bytes[index] == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/"))
        {
            advance()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func lexQuoted(_ startLine: Int, _ startColumn: Int) -> String? {
        advance()  // opening quote
        var scalars: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                advance()
                return String(decoding: scalars, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\n") { break }
            if byte == UInt8(ascii: "\\") {
                let escapeLine = line
                let escapeColumn = column
                advance()
                guard index < bytes.count else { break }
                let escaped = bytes[index]
                advance()
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    let hex = String(decoding: bytes[index..<min(index + 4, bytes.count)], as: UTF8.self)
                    if hex.count == 4, let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                        scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                        for _ in 0..<4 { advance() }
                    } else {
                        error("\\u must be followed by four hex digits", escapeLine, escapeColumn)
                    }
                default:
                    error(
                        "\"\\\(Character(Unicode.Scalar(escaped)))\" is not a valid escape; write \\\\ for a backslash", escapeLine,
                        escapeColumn)
                }
                continue
            }
            scalars.append(byte)
            advance()
        }
        error("this string has no closing quote", startLine, startColumn)
        return nil
    }

    private mutating func lexTripleQuoted(_ startLine: Int, _ startColumn: Int) -> String? {
        advance(); advance(); advance()
        let start = index
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\""), peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                // HOCON: extra quotes before the closing three belong to the string.
                var end = index
                while peek(3) == UInt8(ascii: "\"") { advance(); end = index }
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                advance(); advance(); advance()
                return text
            }
            advance()
        }
        error("this triple-quoted string has no closing \"\"\"", startLine, startColumn)
        return nil
    }

    private mutating func lexSubstitution(_ startLine: Int, _ startColumn: Int) -> HOCONToken.Kind? {
        advance(); advance()  // ${
        var optional = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "?") {
            optional = true
            advance()
        }
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "}"), bytes[index] != UInt8(ascii: "\n") { advance() }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "}") else {
            error("this substitution has no closing }", startLine, startColumn)
            return nil
        }
        let path = String(decoding: bytes[start..<index], as: UTF8.self).trimmingWhitespace
        advance()
        guard !path.isEmpty else {
            error("an empty substitution ${} names no path", startLine, startColumn)
            return nil
        }
        return .substitution(path: path, optional: optional)
    }

    private mutating func skipComment() {
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { advance() }
    }

    // MARK: Position

    private func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    /// Moves one byte on; columns count Unicode scalars, so UTF-8 continuation bytes do not count.
    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private mutating func error(_ message: String, _ line: Int, _ column: Int) {
        diagnostics.append(
            Diagnostic(.hoconSyntax, .error, at: SourceLocation(file: file, line: line, column: column), message)
        )
    }
}

extension String {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
