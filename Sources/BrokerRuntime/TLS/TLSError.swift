internal import COpenSSL

/// A TLS failure: what went wrong in words, with OpenSSL's reasons.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public let openSSLReasons: [String]

    init(_ reason: String, openSSLReasons: [String] = []) {
        self.reason = reason
        self.openSSLReasons = openSSLReasons
    }

    /// A TLSError carrying (and emptying) the thread's OpenSSL error queue.
    static func fromQueue(_ reason: String) -> TLSError {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            reasons.append(ERR_reason_error_string(code).map { String(cString: $0) } ?? "error \(code)")
        }
        return TLSError(reason, openSSLReasons: reasons)
    }

    public var description: String {
        openSSLReasons.isEmpty ? reason : "\(reason) (OpenSSL: \(openSSLReasons.joined(separator: "; ")))"
    }
}
