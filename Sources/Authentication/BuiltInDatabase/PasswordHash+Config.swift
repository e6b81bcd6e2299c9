package import CertTools
package import ConfigModel

extension PasswordHash {
    /// The hash a `password_hash_algorithm` block names.
    package init(_ config: PasswordHashConfig) {
        func position(_ position: PasswordHashConfig.SaltPosition) -> SaltPosition { SaltPosition(rawValue: position.rawValue)! }
        switch config.name {
        case .plain: self = .plain(position(config.saltPosition))
        case .md5: self = .simple(.md5, position(config.saltPosition))
        case .sha: self = .simple(.sha, position(config.saltPosition))
        case .sha256: self = .simple(.sha256, position(config.saltPosition))
        case .sha512: self = .simple(.sha512, position(config.saltPosition))
        case .bcrypt: self = .bcrypt(rounds: config.saltRounds)
        case .pbkdf2:
            // md4, md5 and ripemd160 are refused by config check (EMQX fails at runtime).
            let digest = Digest(rawValue: config.macFunction.rawValue) ?? .sha256
            self = .pbkdf2(macFun: digest, iterations: config.iterations, dkLength: config.derivedKeyLength)
        }
    }

    /// Whether checking a password costs enough (milliseconds) to be moved off the event loop.
    package var isCostly: Bool {
        switch self {
        case .plain, .simple: false
        case .bcrypt: true
        case .pbkdf2(_, let iterations, _): iterations > 1000
        }
    }

    /// The stored record of a new password: a fresh salt (none for plain), and the hash.
    package func record(for password: [UInt8]) -> (hash: String, salt: String) {
        let salt: [UInt8]
        switch self {
        case .plain: salt = []
        case .simple(_, .disable): salt = []
        default: salt = generateSalt()
        }
        let hash = hash(password, salt: salt)
        // bcrypt: EMQX stores the whole hash as the salt too.
        if case .bcrypt = self { return (hash, hash) }
        return (hash, String(decoding: salt, as: UTF8.self))
    }
}
