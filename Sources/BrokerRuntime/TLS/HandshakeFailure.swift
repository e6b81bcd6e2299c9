import Foundation

/// Plain words for OpenSSL's handshake failures (user-needs #3).
enum HandshakeFailure {
    static let pskMismatch = "the client's pre-shared key differs from the store's for its identity (raw or hex? see secret_encoding)"

    /// "; the client offered …", at most eight names.
    static func offered(_ ciphers: [String]) -> String {
        guard !ciphers.isEmpty else { return "" }
        let shown = ciphers.prefix(8).joined(separator: ", ")
        return "; the client offered \(shown)\(ciphers.count > 8 ? " and \(ciphers.count - 8) more" : "")"
    }

    static func explain(_ error: TLSError, firstByte: UInt8?) -> String {
        if firstByte == 0x10 { return "a plaintext MQTT client connected to a TLS port (use the tcp listener, or TLS in the client)" }
        if let byte = firstByte, byte == UInt8(ascii: "G") || byte == UInt8(ascii: "P") {
            return "an HTTP request arrived on an MQTT TLS port"
        }
        let reasons = error.openSSLReasons.joined(separator: "; ")
        let known: [(String, String)] = [
            (
                "no shared cipher",
                "no shared cipher: the client offered no suite this listener allows (check ssl_options.ciphers and the key type)"
            ),
            ("peer did not return a certificate", "the client sent no certificate, and fail_if_no_peer_cert requires one"),
            ("certificate required", "the client sent no certificate, and fail_if_no_peer_cert requires one"),
            ("unsupported protocol", "the client's TLS versions and ssl_options.versions do not overlap"),
            ("wrong version number", "the client does not speak a TLS version this listener allows"),
            (
                "certificate verify failed",
                "the client's certificate did not verify against cacertfile (unknown CA, expired, or wrong purpose)"
            ),
            ("tlsv1 alert unknown ca", "the client does not trust this server's CA (give it cacert.pem)"),
            ("sslv3 alert certificate expired", "the client says a certificate has expired"),
            ("http request", "an HTTP request arrived on an MQTT TLS port"),
            ("psk identity not found", "unknown PSK identity: it is not in the PSK store"),
            ("binder does not verify", pskMismatch),
            ("decryption failed or bad record mac", pskMismatch),
            // TLS 1.3: OpenSSL reports a refused external PSK identity as a bad extension.
            ("bad extension", "unknown PSK identity, or a malformed pre_shared_key extension"),
        ]
        for (needle, sentence) in known where reasons.contains(needle) { return sentence }
        return reasons.isEmpty ? error.reason : reasons
    }
}
