internal import COpenSSL

/// OpenSSL's thread-local error queue, read out in one go.
///
/// Discipline (docs/conventions.md, 5): call `OpenSSLErrorStack.clear()` right before a
/// fallible OpenSSL call, and on failure turn the queue into a thrown error with `error(_:)`,
/// so a stale entry from an earlier call never ends up in an unrelated message.
enum OpenSSLErrorStack {
    static func clear() { ERR_clear_error() }

    /// The reasons on the queue, oldest first, emptying it ("bad decrypt", "no start line").
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let text = ERR_reason_error_string(code) {
                reasons.append(String(cString: text))
            } else {
                var buffer = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &buffer, buffer.count)
                reasons.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
            }
        }
        return reasons
    }

    /// A `CertToolsError` for a failed OpenSSL call: `what` in our words, then OpenSSL's reasons.
    static func error(
        _ what: String,
        code: CertToolsError.Code = .openSSL,
        fileID: String = #fileID,
        line: Int = #line
    ) -> CertToolsError {
        let reasons = drain()
        let detail = reasons.isEmpty ? "" : " (OpenSSL: \(reasons.joined(separator: "; ")))"
        return CertToolsError(code, what + detail, fileID: fileID, line: line)
    }
}
