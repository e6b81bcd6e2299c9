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

    static func explain(_ error: TLSError, firstByte: UInt8?) -> HandshakeRefusal {
        // What arrived says more than OpenSSL's complaint about it.
        if firstByte == 0x10 {
            return .init(.plaintextMQTT, "a plaintext MQTT client connected to a TLS port (use the tcp listener, or TLS in the client)")
        }
        let http = HandshakeRefusal(.httpRequest, "an HTTP request arrived on an MQTT TLS port")
        if let byte = firstByte, byte == UInt8(ascii: "G") || byte == UInt8(ascii: "P") { return http }
        switch error.code {
        case .noSharedCipher:
            return .init(
                .noSharedCipher,
                "no shared cipher: the client offered no suite this listener allows (check ssl_options.ciphers and the key type)")
        case .peerCertificateMissing:
            return .init(.noClientCertificate, "the client sent no certificate, and fail_if_no_peer_cert requires one")
        case .protocolVersionMismatch:
            return .init(.versionMismatch, "the client's TLS versions and ssl_options.versions do not overlap")
        case .wrongVersionNumber: return .init(.versionMismatch, "the client does not speak a TLS version this listener allows")
        case .peerCertificateUnverified:
            return .init(
                .clientCertificateUnverified,
                "the client's certificate did not verify against cacertfile (unknown CA, expired, or wrong purpose)")
        case .peerDistrustsCA: return .init(.clientDistrustsServer, "the client does not trust this server's CA (give it cacert.pem)")
        case .peerSaysCertificateExpired: return .init(.certificateExpired, "the client says a certificate has expired")
        case .httpRequest: return http
        case .pskIdentityUnknown: return .init(.pskUnknownIdentity, "unknown PSK identity: it is not in the PSK store")
        case .pskMismatch: return .init(.pskMismatch, pskMismatch)
        case .badExtension: return .init(.pskUnknownIdentity, "unknown PSK identity, or a malformed pre_shared_key extension")
        default:
            let reasons = error.openSSLReasons.joined(separator: "; ")
            return .init(.other, reasons.isEmpty ? error.reason : reasons)
        }
    }
}
