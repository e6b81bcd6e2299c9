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
}
