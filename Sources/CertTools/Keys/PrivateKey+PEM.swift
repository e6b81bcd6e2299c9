internal import COpenSSL

extension PrivateKey {
    /// PKCS#8 PEM (`PRIVATE KEY`), or `ENCRYPTED PRIVATE KEY` under AES-256-CBC when a
    /// passphrase is given.
    public func pemEncoded(passphrase: Passphrase? = nil) throws -> String {
        OpenSSLErrorStack.clear()
        return try MemoryBIO.collectString { bio in
            let written: Int32
            if let passphrase {
                written = passphrase.bytes.withUnsafeBufferPointer { pass in
                    // kstr/klen are used as given; OpenSSL does not keep the pointer.
                    let raw = UnsafeMutableRawPointer(mutating: pass.baseAddress!).assumingMemoryBound(to: CChar.self)
                    return PEM_write_bio_PKCS8PrivateKey(bio, evpKey, EVP_aes_256_cbc(), raw, Int32(pass.count), nil, nil)
                }
            } else {
                written = PEM_write_bio_PrivateKey(bio, evpKey, nil, nil, 0, nil, nil)
            }
            guard written == 1 else { throw OpenSSLErrorStack.error("cannot encode the private key") }
        }
    }

    /// Reads a key from one PEM block: PKCS#8 (plain or encrypted) or a legacy
    /// `RSA PRIVATE KEY` / `EC PRIVATE KEY` (plain or with `Proc-Type: 4,ENCRYPTED`).
    ///
    /// An encrypted key without `passphrase` fails with `.passphraseRequired`; OpenSSL is never
    /// allowed to prompt on the terminal.
    public convenience init(pem block: PEMBlock, passphrase: Passphrase? = nil, path: String? = nil) throws {
        let encrypted = block.label == "ENCRYPTED PRIVATE KEY" || block.text.contains("Proc-Type: 4,ENCRYPTED")
        if encrypted && passphrase == nil {
            throw CertToolsError(
                .passphraseRequired,
                "line \(block.line): the private key is encrypted; give its passphrase",
                path: path
            )
        }
        OpenSSLErrorStack.clear()
        let key: OpaquePointer? = try MemoryBIO.reading(Array(block.text.utf8)) { bio in
            withPassphrasePointer(passphrase) { userData in
                PEM_read_bio_PrivateKey(bio, nil, passphraseCallback, userData)
            }
        }
        guard let key else {
            if encrypted {
                _ = OpenSSLErrorStack.drain()
                throw CertToolsError(
                    .wrongPassphrase,
                    "line \(block.line): the passphrase does not decrypt this private key",
                    path: path
                )
            }
            throw OpenSSLErrorStack.error("line \(block.line): the \(block.label) block is not a valid private key", code: .invalidEncoding)
                .at(path: path ?? "")
        }
        self.init(takingOwnership: key)
    }

    /// Reads an unencrypted DER private key (PKCS#8 or a legacy RSA/EC structure).
    public convenience init(der: [UInt8]) throws {
        self.init(takingOwnership: try DER.decode(der, as: "private key") { d2i_AutoPrivateKey(nil, $0, $1) })
    }
}

/// The PEM password callback: copies the passphrase OpenSSL was handed as user data, or
/// refuses (-1) when there is none, so OpenSSL never falls back to prompting on a terminal.
private let passphraseCallback:
    @convention(c) (
        UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?
    ) -> Int32 = { buffer, size, _, userData in
        guard let buffer, let userData else { return -1 }
        let passphrase = userData.assumingMemoryBound(to: CChar.self)
        let length = strlen(passphrase)
        guard length <= Int(size) else { return -1 }
        memcpy(buffer, passphrase, length)
        return Int32(length)
    }

/// A NUL-terminated copy of the passphrase for the callback (`Passphrase` rejects NUL bytes).
private func withPassphrasePointer<R>(_ passphrase: Passphrase?, _ body: (UnsafeMutableRawPointer?) throws -> R) rethrows -> R {
    guard let passphrase else { return try body(nil) }
    var terminated = passphrase.bytes.map { CChar(bitPattern: $0) } + [0]
    defer { for index in terminated.indices { terminated[index] = 0 } }
    return try terminated.withUnsafeMutableBufferPointer { try body(UnsafeMutableRawPointer($0.baseAddress)) }
}
