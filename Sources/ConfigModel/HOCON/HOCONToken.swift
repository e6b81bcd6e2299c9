/// One lexical token of HOCON, with where it starts.
struct HOCONToken: Sendable {
    enum Kind: Sendable, Equatable {
        case openBrace, closeBrace, openBracket, closeBracket
        case comma, equals, colon, plusEquals
        case newline
        /// Spaces and tabs between tokens on one line; kept, because value concatenation keeps them.
        case whitespace(String)
        case quoted(String)
        /// A triple-quoted string: raw, may span lines.
        case tripleQuoted(String)
        /// An unquoted run: keys, numbers, booleans, bare strings such as `verify_peer` or `15s`.
        case unquoted(String)
        /// `${path}` or `${?path}`; the path is still in HOCON key syntax.
        case substitution(path: String, optional: Bool)
        case endOfFile
    }

    let kind: Kind
    let line: Int
    let column: Int
}
