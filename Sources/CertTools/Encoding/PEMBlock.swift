import Foundation

/// One `-----BEGIN label----- … -----END label-----` block of a PEM file, with where it starts.
public struct PEMBlock: Sendable {
    /// The label between `BEGIN` and the dashes: `CERTIFICATE`, `PRIVATE KEY`, `X509 CRL`, …
    public let label: String
    /// The whole block, header lines included, as OpenSSL's PEM readers want it.
    public let text: String
    /// The 1-based line of the BEGIN line in its file.
    public let line: Int
    /// The base64 body, decoded. Empty for legacy encrypted keys (`Proc-Type: 4,ENCRYPTED`),
    /// whose body only OpenSSL can read.
    public let der: [UInt8]
    /// Whether the block carries RFC 1421 headers (legacy encrypted keys).
    public let hasHeaders: Bool
}

/// Splits PEM text into blocks, checking each one, so that a truncated or corrupted block is
/// reported with its line instead of as "no start line" from deep inside OpenSSL.
///
/// Text outside blocks is ignored, as OpenSSL does (files often carry `openssl x509 -text`
/// output above the block).
public enum PEMParser {
    public static func blocks(in text: String, path: String? = nil) throws -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var open: (label: String, line: Int, lines: [Substring])?
        var lineNumber = 0
        // Swift reads "\r\n" as one Character, so split on both forms.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if let label = boundary(line, "BEGIN") {
                if let open {
                    throw CertToolsError(
                        .invalidEncoding,
                        "line \(open.line): the \(open.label) block has no END line before the next BEGIN at line \(lineNumber) (truncated PEM?)",
                        path: path
                    )
                }
                open = (label, lineNumber, [])
            } else if let label = boundary(line, "END") {
                guard let current = open else {
                    throw CertToolsError(.invalidEncoding, "line \(lineNumber): END \(label) without a BEGIN line", path: path)
                }
                guard label == current.label else {
                    throw CertToolsError(
                        .invalidEncoding,
                        "line \(lineNumber): END \(label) does not close BEGIN \(current.label) from line \(current.line)",
                        path: path
                    )
                }
                blocks.append(try makeBlock(label: label, startLine: current.line, body: current.lines, path: path))
                open = nil
            } else if open != nil {
                open!.lines.append(line)
            }
        }
        if let open {
            throw CertToolsError(
                .invalidEncoding,
                "line \(open.line): the \(open.label) block has no END line (the file is truncated)",
                path: path
            )
        }
        return blocks
    }

    /// Whether `text` looks like PEM at all (as opposed to DER or something else).
    public static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        guard bytes.count >= marker.count else { return false }
        for start in 0...(bytes.count - marker.count) where bytes[start] == marker[0] {
            if Array(bytes[start..<start + marker.count]) == marker { return true }
        }
        return false
    }

    /// Encodes DER as a PEM block with 64-column lines.
    public static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }

    private static func boundary(_ line: Substring, _ kind: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let prefix = "-----\(kind) "
        guard trimmed.hasPrefix(prefix), trimmed.hasSuffix("-----"), trimmed.count > prefix.count + 5 else { return nil }
        return String(trimmed.dropFirst(prefix.count).dropLast(5))
    }

    private static func makeBlock(label: String, startLine: Int, body: [Substring], path: String?) throws -> PEMBlock {
        let hasHeaders = body.contains { $0.contains(":") }
        let text = "-----BEGIN \(label)-----\n" + body.joined(separator: "\n") + "\n-----END \(label)-----\n"
        if hasHeaders {
            return PEMBlock(label: label, text: text, line: startLine, der: [], hasHeaders: true)
        }
        var base64 = ""
        for (offset, line) in body.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "=") }) else {
                throw CertToolsError(
                    .invalidEncoding,
                    "line \(startLine + 1 + offset): the \(label) block holds characters that are not base64",
                    path: path
                )
            }
            base64 += trimmed
        }
        guard !base64.isEmpty, base64.count % 4 == 0, let data = Data(base64Encoded: base64) else {
            throw CertToolsError(
                .invalidEncoding,
                "line \(startLine): the \(label) block is not valid base64 (truncated or edited?)",
                path: path
            )
        }
        return PEMBlock(label: label, text: text, line: startLine, der: Array(data), hasHeaders: false)
    }
}
