import Foundation

/// Data goes to stdout; progress, notes and summaries go to stderr, so that
/// `emqxctl … > file` captures only the data.
enum Console {
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// All of stdin, with one trailing newline (LF or CRLF) dropped: how a secret is piped in
    /// (`printf '%s\n' "$SECRET" | …`), so it never shows in `ps` or shell history.
    static func readSecret() -> String {
        var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        // "\r\n" is one Character, so one removeLast drops either ending.
        if text.hasSuffix("\n") || text.hasSuffix("\r\n") { text.removeLast() }
        return text
    }
}
