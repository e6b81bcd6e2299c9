/// An Erlang term as `acl.conf` writes them (`file:consult`): atoms, strings, integers,
/// tuples and lists, each with where it starts.
public indirect enum ErlangTerm: Sendable, Equatable {
    /// A bare atom (`allow`), or a quoted one (`'and'`), which `quoted` tells apart.
    case atom(String, quoted: Bool)
    case string(String)
    case integer(Int)
    case tuple([LocatedTerm])
    case list([LocatedTerm])

    /// How a term is named in messages.
    var kindName: String {
        switch self {
        case .atom(let name, _): "the atom \(name)"
        case .string(let text): "the string \"\(text)\""
        case .integer(let value): "the integer \(value)"
        case .tuple(let elements): "a tuple of \(elements.count)"
        case .list: "a list"
        }
    }
}

/// A term and the place it starts.
public struct LocatedTerm: Sendable, Equatable {
    public let term: ErlangTerm
    public let location: SourceLocation
}

/// Reads `Term.` forms from text: `%` comments to the end of the line; strings in double
/// quotes with backslash escapes; quoted atoms in single quotes. Each syntax error is reported
/// with its place, and reading resumes after the next `.` that ends a form, so one bad rule
/// does not hide the next.
struct ErlangTermReader {
    private let scalars: [Unicode.Scalar]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    struct SyntaxError: Error {
        let message: String
        let location: SourceLocation
    }

    init(_ text: String, file: String) {
        scalars = Array(text.unicodeScalars)
        self.file = file
    }

    /// Every form, or the syntax error that spoiled it.
    mutating func forms() -> [Result<LocatedTerm, SyntaxError>] {
        var results: [Result<LocatedTerm, SyntaxError>] = []
        while true {
            skipSpaceAndComments()
            guard index < scalars.count else { return results }
            do {
                let term = try readTerm(depth: 0)
                skipSpaceAndComments()
                guard peek == "." else { throw error("expected . after the rule, found \(describePeek)") }
                advance()
                results.append(.success(term))
            } catch let error as SyntaxError {
                results.append(.failure(error))
                skipPastFormEnd()
            } catch {
                preconditionFailure("only syntax errors are thrown")
            }
        }
    }

    // MARK: Terms

    /// Deeper nesting than any rule needs is refused rather than risking the stack.
    private static let maximumDepth = 32

    private mutating func readTerm(depth: Int) throws -> LocatedTerm {
        guard depth < Self.maximumDepth else { throw error("terms nested more than \(Self.maximumDepth) deep") }
        skipSpaceAndComments()
        let start = here
        guard let scalar = peek else { throw error("the file ends inside a rule") }
        switch scalar {
        case "{":
            advance()
            return LocatedTerm(term: .tuple(try readElements(until: "}", depth: depth)), location: start)
        case "[":
            advance()
            return LocatedTerm(term: .list(try readElements(until: "]", depth: depth)), location: start)
        case "\"":
            return LocatedTerm(term: .string(try readQuoted("\"")), location: start)
        case "'":
            return LocatedTerm(term: .atom(try readQuoted("'"), quoted: true), location: start)
        case "a"..."z":
            var name = ""
            while let next = peek, next.properties.isAlphabetic || ("0"..."9").contains(next) || next == "_" || next == "@" {
                name.unicodeScalars.append(next)
                advance()
            }
            return LocatedTerm(term: .atom(name, quoted: false), location: start)
        case "0"..."9", "-":
            var digits = ""
            if scalar == "-" {
                digits = "-"
                advance()
            }
            while let next = peek, ("0"..."9").contains(next) {
                digits.unicodeScalars.append(next)
                advance()
            }
            guard let value = Int(digits) else { throw SyntaxError(message: "\"\(digits)\" is not a number", location: start) }
            return LocatedTerm(term: .integer(value), location: start)
        default:
            throw error("unexpected \(describePeek)")
        }
    }

    private mutating func readElements(until close: Unicode.Scalar, depth: Int) throws -> [LocatedTerm] {
        var elements: [LocatedTerm] = []
        skipSpaceAndComments()
        if peek == close {
            advance()
            return elements
        }
        while true {
            elements.append(try readTerm(depth: depth + 1))
            skipSpaceAndComments()
            switch peek {
            case ",": advance()
            case close?:
                advance()
                return elements
            default: throw error("expected , or \(close), found \(describePeek)")
            }
        }
    }

    /// A string or quoted atom; `\\`, `\"`, `\'`, `\n`, `\t` and `\r` escapes.
    private mutating func readQuoted(_ quote: Unicode.Scalar) throws -> String {
        let start = here
        advance()
        var text = ""
        while let scalar = peek {
            advance()
            if scalar == quote { return text }
            if scalar == "\\" {
                guard let escaped = peek else { break }
                advance()
                switch escaped {
                case "n": text += "\n"
                case "t": text += "\t"
                case "r": text += "\r"
                default: text.unicodeScalars.append(escaped)
                }
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        throw SyntaxError(message: quote == "\"" ? "a string is never closed" : "a quoted atom is never closed", location: start)
    }

    // MARK: Scanning

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private var describePeek: String {
        guard let peek else { return "the end of the file" }
        return peek == "\n" ? "the end of the line" : "\"\(peek)\""
    }

    private var here: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    private func error(_ message: String) -> SyntaxError { SyntaxError(message: message, location: here) }

    private mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipSpaceAndComments() {
        while let scalar = peek {
            if scalar == "%" {
                while let next = peek, next != "\n" { advance() }
            } else if scalar.properties.isWhitespace {
                advance()
            } else {
                return
            }
        }
    }

    /// After a syntax error: past the next `.` followed by white space or the end (outside
    /// strings), where the next rule starts.
    private mutating func skipPastFormEnd() {
        var quote: Unicode.Scalar?
        while let scalar = peek {
            advance()
            if let open = quote {
                if scalar == "\\" {
                    advance()
                } else if scalar == open {
                    quote = nil
                }
            } else if scalar == "\"" || scalar == "'" {
                quote = scalar
            } else if scalar == "%" {
                while let next = peek, next != "\n" { advance() }
            } else if scalar == ".", peek == nil || peek!.properties.isWhitespace || peek == "%" {
                return
            }
        }
    }
}
