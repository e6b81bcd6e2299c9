import CertTools
import Foundation

/// The bearer token the admin endpoint's changes need (`POST /api/v5/reload`): 32 random
/// bytes in hex, in a 0600 file that `serve` creates on first start (atomically, as keys are
/// written) and `emqxctl reload` reads. Never logged or printed.
enum AdminToken {
    static let defaultPath = "data/admin.token"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The token in `path`, made first if there is none.
    static func loadOrCreate(path: String) throws -> String {
        if FileManager.default.fileExists(atPath: path) { return try read(path: path) }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        let folder = (path as NSString).deletingLastPathComponent
        let file = OutputFile(name: (path as NSString).lastPathComponent, text: token + "\n", kind: .secret)
        try SecureFileWriter(directory: folder.isEmpty ? "." : folder, force: false).write([file])
        return token
    }

    /// The token in `path`; refused when others than its owner can read it.
    static func read(path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure(
                description: "cannot read the admin token \(path): \(String(cString: strerror(errno))) (serve creates it on first start)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw Failure(
                description:
                    "the admin token \(path) can be read by others than its owner (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it"
            )
        }
        guard let data = FileManager.default.contents(atPath: path),
            let token = String(bytes: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty
        else { throw Failure(description: "the admin token \(path) is empty or not text") }
        return token
    }
}
