import Foundation

/// Streams a file line by line in fixed-size reads, so memory stays flat whatever the file's
/// size. Lines end at LF; a CR before it is dropped. A line longer than `maximumLineLength` is
/// an error at once rather than a growing buffer.
struct PSKLineReader {
    static let blockSize = 256 << 10
    let path: String
    let maximumLineLength: Int

    /// Calls `body` with each line's bytes (valid only during the call) and its 1-based number.
    /// Returns the number of bytes read.
    @discardableResult
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fileError() }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw StoreError(.fileSystem, "cannot read: not a regular file", path: path)
        }
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        var carry: [UInt8] = []
        carry.reserveCapacity(maximumLineLength + 1)
        var lineNumber = 0
        var total = 0
        while true {
            let count = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw fileError()
            }
            if count == 0 { break }
            total += count
            try block.withUnsafeBufferPointer { buffer in
                var start = 0
                while start < count {
                    let rest = UnsafeRawPointer(buffer.baseAddress! + start)
                    guard let newline = memchr(rest, 0x0A, count - start) else {
                        // No LF in the rest of the block: keep it for the next read.
                        guard carry.count + (count - start) <= maximumLineLength else {
                            throw tooLong(lineNumber + 1)
                        }
                        carry.append(contentsOf: buffer[start..<count])
                        return
                    }
                    let end = UnsafePointer(newline.assumingMemoryBound(to: UInt8.self)) - buffer.baseAddress!
                    lineNumber += 1
                    if carry.isEmpty {
                        guard end - start <= maximumLineLength else { throw tooLong(lineNumber) }
                        try body(Self.trimCR(UnsafeBufferPointer(rebasing: buffer[start..<end])), lineNumber)
                    } else {
                        guard carry.count + (end - start) <= maximumLineLength else { throw tooLong(lineNumber) }
                        carry.append(contentsOf: buffer[start..<end])
                        try carry.withUnsafeBufferPointer { try body(Self.trimCR($0), lineNumber) }
                        carry.removeAll(keepingCapacity: true)
                    }
                    start = end + 1
                }
            }
        }
        if !carry.isEmpty {
            lineNumber += 1
            try carry.withUnsafeBufferPointer { try body(Self.trimCR($0), lineNumber) }
        }
        return total
    }

    private static func trimCR(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let last = line.last, last == 0x0D else { return line }
        return UnsafeBufferPointer(rebasing: line.dropLast())
    }

    private func tooLong(_ line: Int) -> StoreError {
        StoreError(
            .invalidLine,
            "the line is longer than \(maximumLineLength) bytes; an identity:secret line is at most about 1.3 KB (is this a PSK file?)",
            path: path, line: line
        )
    }

    private func fileError() -> StoreError {
        StoreError(.fileSystem, "cannot read: \(String(cString: strerror(errno)))", path: path)
    }
}
