import CertTools
import Foundation

/// Writes a set of files into a folder the safe way:
///
/// - nothing is overwritten without `force`, and that is checked for every file before any is
///   written, so a refused command leaves the folder as it was;
/// - each file is written to a temporary file in the same folder (created 0600 by `mkstemp`),
///   given its final mode, synced, and renamed over the target, so a reader never sees half a
///   key and a crash never leaves a truncated one;
/// - keys end up 0600, certificates and state 0644.
struct SecureFileWriter {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let directory: String
    var force = false

    /// The paths written, in order.
    @discardableResult
    func write(_ files: [OutputFile]) throws -> [String] {
        try createDirectory()
        let targets = files.map { (file: $0, path: (directory as NSString).appendingPathComponent($0.name)) }
        let blocked = targets.filter { !$0.file.replacesWithoutForce && !force && FileManager.default.fileExists(atPath: $0.path) }
        if !blocked.isEmpty {
            let list = blocked.map(\.path).joined(separator: ", ")
            throw Failure(description: "\(list) already exist\(blocked.count == 1 ? "s" : ""); pass --force to overwrite")
        }
        var staged: [(temporary: String, path: String)] = []
        do {
            for target in targets {
                staged.append((try stage(target.file), target.path))
            }
        } catch {
            for entry in staged { unlink(entry.temporary) }
            throw error
        }
        for (index, entry) in staged.enumerated() where rename(entry.temporary, entry.path) != 0 {
            let reason = String(cString: strerror(errno))
            for rest in staged[index...] { unlink(rest.temporary) }
            throw Failure(description: "cannot write \(entry.path): \(reason)")
        }
        syncDirectory()
        return staged.map(\.path)
    }

    /// `mkdir -p`, with the OS's reason when it fails ("Not a directory", "Permission denied").
    private func createDirectory() throws {
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create the folder \(directory): \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw Failure(description: "cannot create the folder \(directory): \(String(cString: strerror(ENOTDIR)))")
        }
        guard access(directory, W_OK) == 0 else {
            throw Failure(description: "cannot write into \(directory): \(String(cString: strerror(errno)))")
        }
    }

    private func stage(_ file: OutputFile) throws -> String {
        try stage(name: file.name, secret: file.kind == .secret) { write in try write(file.contents[...]) }
    }

    /// Writes one file whose contents `produce` streams out in pieces (for exports too large
    /// to hold in memory), with the same guarantees as `write(_:)`.
    func writeStreaming(name: String, secret: Bool, _ produce: (_ write: (ArraySlice<UInt8>) throws -> Void) throws -> Void) throws {
        try createDirectory()
        let path = (directory as NSString).appendingPathComponent(name)
        if !force && FileManager.default.fileExists(atPath: path) {
            throw Failure(description: "\(path) already exists; pass --force to overwrite")
        }
        let temporary = try stage(name: name, secret: secret, produce)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(reason)")
        }
        syncDirectory()
    }

    /// A temporary file in the folder (0600 from birth by `mkstemp`), filled by `produce`,
    /// given its final mode and synced; removed again if anything fails.
    private func stage(name: String, secret: Bool, _ produce: (_ write: (ArraySlice<UInt8>) throws -> Void) throws -> Void) throws -> String
    {
        var template = Array(((directory as NSString).appendingPathComponent(".\(name).tmp-XXXXXX")).utf8CString)
        let descriptor = mkstemp(&template)
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard descriptor >= 0 else {
            throw Failure(description: "cannot write into \(directory): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        func fail(_ reason: String) -> Failure {
            unlink(temporary)
            return Failure(description: "cannot write \(name) into \(directory): \(reason)")
        }
        guard fchmod(descriptor, secret ? 0o600 : 0o644) == 0 else { throw fail(String(cString: strerror(errno))) }
        do {
            try produce { bytes in
                var offset = bytes.startIndex
                while offset < bytes.endIndex {
                    let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw Failure(description: String(cString: strerror(errno)))
                    }
                    offset += written
                }
            }
        } catch {
            throw fail("\(error)")
        }
        guard fsync(descriptor) == 0 else { throw fail(String(cString: strerror(errno))) }
        return temporary
    }

    private func syncDirectory() {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
