/// The syntax tree of one HOCON file, before includes, merging and substitutions.
enum HOCONSyntax {
    /// `{ … }` or a file's root: fields and includes in file order.
    struct Object: Sendable {
        enum Item: Sendable {
            case field(Field)
            case include(Include)
        }

        var items: [Item]
        let location: SourceLocation
    }

    /// `a.b.c = value`, `a { … }`, or `a += value`.
    struct Field: Sendable {
        let path: [KeySegment]
        let value: Value
        let appends: Bool
    }

    struct KeySegment: Sendable {
        let name: String
        let location: SourceLocation
    }

    /// `include "file"` or `include required("file")`.
    struct Include: Sendable {
        let path: String
        let required: Bool
        let location: SourceLocation
    }

    /// A value: one part, or several on one line that concatenate (`foo bar`, `${a}/certs`).
    struct Value: Sendable {
        let parts: [Part]
        let location: SourceLocation
    }

    enum Part: Sendable {
        case scalar(String, quoted: Bool, SourceLocation)
        case substitution([String], optional: Bool, SourceLocation)
        case object(Object)
        case array([Value], SourceLocation)
        /// Whitespace between two parts, kept when strings concatenate.
        case whitespace(String)
    }
}
