/// Plain words for handshake failures (user-needs #3), from the error's code and the first
/// byte the client sent.
enum HandshakeFailure {
    static let pskMismatch = "the client's pre-shared key differs from the store's for its identity (raw or hex? see secret_encoding)"

    /// "; the client offered …", at most eight names.
    static func offered(_ ciphers: [String]) -> String {
        guard !ciphers.isEmpty else { return "" }
        let shown = ciphers.prefix(8).joined(separator: ", ")
        return "; the client offered \(shown)\(ciphers.count > 8 ? " and \(ciphers.count - 8) more" : "")"
    }

    static func explain(_ error: TLSError, firstByte: UInt8?) -> String {
        // What arrived says more than OpenSSL's complaint about it.
        if firstByte == 0x10 { return "a plaintext MQTT client connected to a TLS port (use the tcp listener, or TLS in the client)" }
        if let byte = firstByte, byte == UInt8(ascii: "G") || byte == UInt8(ascii: "P") {
            return "an HTTP request arrived on an MQTT TLS port"
        }
        switch error.code {
        case .noSharedCipher:
            return "no shared cipher: the client offered no suite this listener allows (check ssl_options.ciphers and the key type)"
        case .peerCertificateMissing: return "the client sent no certificate, and fail_if_no_peer_cert requires one"
        case .protocolVersionMismatch: return "the client's TLS versions and ssl_options.versions do not overlap"
        case .wrongVersionNumber: return "the client does not speak a TLS version this listener allows"
        case .peerCertificateUnverified:
            return "the client's certificate did not verify against cacertfile (unknown CA, expired, or wrong purpose)"
        case .peerDistrustsCA: return "the client does not trust this server's CA (give it cacert.pem)"
        case .peerSaysCertificateExpired: return "the client says a certificate has expired"
        case .httpRequest: return "an HTTP request arrived on an MQTT TLS port"
        case .pskIdentityUnknown: return "unknown PSK identity: it is not in the PSK store"
        case .pskMismatch: return pskMismatch
        case .badExtension: return "unknown PSK identity, or a malformed pre_shared_key extension"
        default:
            let reasons = error.openSSLReasons.joined(separator: "; ")
            return reasons.isEmpty ? error.reason : reasons
        }
    }
}
