internal import CCrypt
internal import COpenSSL

/// A password hash in EMQX's built-in database format (`password_hash_algorithm`): what is
/// stored for a password and salt, and whether a password matches what is stored. Byte for
/// byte as EMQX computes it, so exported EMQX users import as they are.
public enum PasswordHash: Sendable, Equatable {
    /// Where a simple hash puts the salt: `salt‖password`, `password‖salt`, or none.
    public enum SaltPosition: String, Sendable, CaseIterable { case disable, prefix, suffix }

    /// The digests EMQX names `md5`, `sha`, `sha256` and `sha512` (and, for pbkdf2's
    /// `mac_fun`, also `sha224` and `sha384`).
    public enum Digest: String, Sendable, CaseIterable {
        case md5, sha, sha224, sha256, sha384, sha512

        /// HMAC's output size: pbkdf2's `dk_length` when none is given.
        public var size: Int {
            switch self {
            case .md5: 16
            case .sha: 20
            case .sha224: 28
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }

        var evp: OpaquePointer? {
            switch self {
            case .md5: EVP_md5()
            case .sha: EVP_sha1()
            case .sha224: EVP_sha224()
            case .sha256: EVP_sha256()
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            }
        }
    }

    /// The password itself (salt ignored unless one was imported, then placed as given).
    case plain(SaltPosition)
    /// `lowercase_hex(H(x))` with the salt placed per `SaltPosition`.
    case simple(Digest, SaltPosition)
    /// `lowercase_hex(PBKDF2_HMAC(macFun, password, salt, iterations, dkLength))`.
    case pbkdf2(macFun: Digest, iterations: Int, dkLength: Int?)
    /// `$2a$NN$…`, 60 characters; the salt is a bcrypt setting or a whole bcrypt hash (EMQX
    /// stores the hash as the salt too). `$2a$`, `$2b$` and `$2y$` verify. Computed by libxcrypt.
    case bcrypt(rounds: Int)

    /// What EMQX stores as `password_hash` for `password` and `salt`.
    public func hash(_ password: [UInt8], salt: [UInt8]) -> String {
        switch self {
        case .plain(let position):
            return String(decoding: Self.salted(password, salt, position), as: UTF8.self)
        case .simple(let digest, let position):
            return Self.digest(Self.salted(password, salt, position), digest).hex
        case .pbkdf2(let macFun, let iterations, let dkLength):
            let length = dkLength ?? macFun.size
            var output = [UInt8](repeating: 0, count: length)
            let status = PKCS5_PBKDF2_HMAC(
                password.map { CChar(bitPattern: $0) }, Int32(password.count), salt, Int32(salt.count), Int32(iterations), macFun.evp,
                Int32(length), &output)
            precondition(status == 1, "PKCS5_PBKDF2_HMAC failed for a valid digest")
            return output.hex
        case .bcrypt:
            return Self.bcrypt(password, setting: salt) ?? ""
        }
    }

    /// Whether `password` matches the stored `hash` and `salt`, in time that does not depend
    /// on where they differ. Hex hashes compare without regard to case, as EMQX's do; a plain
    /// password compares exactly (EMQX ignores case there too, which lets "Secret" stand for
    /// "secret": not copied).
    public func verify(_ password: [UInt8], hash stored: String, salt: [UInt8]) -> Bool {
        var expected = Array(stored.utf8)
        switch self {
        case .plain: break
        case .simple, .pbkdf2: expected = expected.map { (0x41...0x46).contains($0) ? $0 + 0x20 : $0 }
        case .bcrypt:
            // hashpw(password, stored) == stored: the stored hash is its own setting.
            guard let computed = Self.bcrypt(password, setting: expected) else { return false }
            return Self.constantTimeEqual(Array(computed.utf8), expected)
        }
        return Self.constantTimeEqual(Array(hash(password, salt: salt).utf8), expected)
    }

    /// EMQX's generated salt: 16 random bytes written as 32 lowercase hex characters, whose
    /// ASCII bytes are the salt. Plain stores none.
    /// For bcrypt, a `$2a$` setting with `rounds` and 16 random bytes, as EMQX generates.
    public func generateSalt() -> [UInt8] {
        switch self {
        case .plain: return []
        case .bcrypt(let rounds):
            var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
            guard crypt_gensalt_rn("$2a$", UInt(rounds), nil, 0, &setting, Int32(setting.count)) != nil else { return [] }
            return Array(setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) })
        case .simple, .pbkdf2: break
        }
        var generator = SystemRandomNumberGenerator()
        return Array((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.hex.utf8)
    }

    static func salted(_ password: [UInt8], _ salt: [UInt8], _ position: SaltPosition) -> [UInt8] {
        switch position {
        case .disable: password
        case .prefix: salt + password
        case .suffix: password + salt
        }
    }

    /// libxcrypt's bcrypt of `password` under `setting`; nil for a setting it refuses or a
    /// password with a NUL byte (which a C string would cut short).
    static func bcrypt(_ password: [UInt8], setting: [UInt8]) -> String? {
        guard !password.contains(0), !setting.contains(0), setting.starts(with: Array("$2".utf8)) else { return nil }
        var state = [UInt8](repeating: 0, count: MemoryLayout<crypt_data>.size)
        let phrase = password.map { CChar(bitPattern: $0) } + [0]
        let prefix = setting.map { CChar(bitPattern: $0) } + [0]
        return state.withUnsafeMutableBytes { buffer -> String? in
            guard let result = crypt_rn(phrase, prefix, buffer.baseAddress, Int32(buffer.count)) else { return nil }
            let text = String(cString: result)
            return text.hasPrefix("*") ? nil : text
        }
    }

    static func digest(_ bytes: [UInt8], _ digest: Digest) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_Digest(bytes, bytes.count, &output, &length, digest.evp, nil)
        return Array(output.prefix(Int(length)))
    }

    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        return left.withUnsafeBytes { a in right.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 } }
    }
}
