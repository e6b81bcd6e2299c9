/// One element of an `authentication` chain (global, or a listener's): EMQX's
/// `password_based` mechanism on the `http` or `built_in_database` backend, the two serve runs.
public struct AuthenticatorConfig: Sendable {
    public enum Backend: Sendable {
        case http(HTTPAuthenticatorConfig)
        case builtInDatabase(BuiltInDatabaseConfig)
    }

    /// EMQX's authenticator id, `<mechanism>:<backend>`; unique within a chain.
    public let id: String
    public var enable: Bool
    public var backend: Backend
    /// `authentication.1`, `listeners.ssl.default.authentication.2`.
    public let keyPath: String
    public var location: SourceLocation?

    /// The `ssl` block of an http authenticator.
    var httpSSL: SSLClientConfig? {
        if case .http(let http) = backend { http.ssl } else { nil }
    }

    /// Reads one authenticator; nil (with a diagnostic) for one serve cannot run.
    init?(_ reader: inout ObjectReader, context: DecodingContext) {
        keyPath = reader.keyPath
        location = reader.location
        enable = reader.bool("enable", default: true)
        let backendName = reader.located("backend")
        var mechanism = reader.located("mechanism")?.value
        if mechanism == nil, backendName != nil {
            // The guide's own example leaves it out (it elides the block with `...`).
            reader.sink.report(
                .authenticatorInvalid, .warning, reader.location, keyPath,
                "no mechanism; EMQX refuses an authenticator without one, emqxctl assumes password_based",
                hint: "write mechanism = password_based")
            mechanism = "password_based"
        }
        let severity: Diagnostic.Severity = enable ? .error : .note
        guard mechanism == "password_based", let backendName, ["http", "built_in_database"].contains(backendName.value) else {
            let what = [mechanism.map { "mechanism \($0)" }, backendName.map { "backend \($0.value)" }].compactMap { $0 }
            reader.sink.report(
                .authenticatorInvalid, severity, reader.location, keyPath,
                "serve cannot run this authenticator (\(what.isEmpty ? "no mechanism or backend" : what.joined(separator: ", ")))"
                    + (enable ? ": a chain without it would let in clients the config means to refuse" : "; it is disabled"),
                hint: "serve runs mechanism = password_based with backend = http or built_in_database")
            for key in reader.object.keys { reader.declare([key]) }
            return nil
        }
        id = "password_based:\(backendName.value)"
        if backendName.value == "http" {
            backend = .http(HTTPAuthenticatorConfig(&reader, context: context))
        } else {
            backend = .builtInDatabase(BuiltInDatabaseConfig(&reader, context: context))
        }
        reader.finish()
    }

    /// `authentication` at `keyPath`: an array, or a single object (wrapped, as EMQX does).
    /// Every authenticator id may appear once.
    static func chain(_ value: HOCONValue, keyPath: String, context: DecodingContext) -> [AuthenticatorConfig] {
        let elements: [(HOCONValue, String)]
        switch value.kind {
        case .array(let array): elements = array.enumerated().map { ($1, "\(keyPath).\($0 + 1)") }
        case .object: elements = [(value, "\(keyPath).1")]
        default:
            context.sink.report(
                .invalidValue, .error, value.location, keyPath, "expected an array of authenticators, found \(value.kindName)")
            return []
        }
        var chain: [AuthenticatorConfig] = []
        for (element, path) in elements {
            var reader = ObjectReader(element, keyPath: path, context: context)
            guard let authenticator = AuthenticatorConfig(&reader, context: context) else { continue }
            if let first = chain.first(where: { $0.id == authenticator.id }) {
                context.sink.report(
                    .authenticatorInvalid, .error, authenticator.location, path,
                    "a second \(authenticator.id) authenticator in one chain; EMQX refuses it (already_exists)",
                    hint: "keep one; the first is \(first.keyPath)")
                continue
            }
            chain.append(authenticator)
        }
        return chain
    }
}

/// `user_id_type` of the built-in database.
public enum UserIDType: String, Sendable, CaseIterable {
    case username
    case clientid
}

/// `backend = built_in_database`.
public struct BuiltInDatabaseConfig: Sendable {
    public var userIDType = UserIDType.username
    public var passwordHash = PasswordHashConfig.sha256Prefix
    public var bootstrapFile: Located<String>?
    public var bootstrapType = BootstrapType.plain

    public enum BootstrapType: String, Sendable, CaseIterable {
        case plain
        case hash
    }

    public init() {}

    init(_ reader: inout ObjectReader, context: DecodingContext) {
        userIDType = reader.choice("user_id_type", default: .username)
        if reader.object["password_hash_algorithm"] != nil {
            var hash = reader.object("password_hash_algorithm")
            passwordHash = PasswordHashConfig(&hash)
        }
        bootstrapFile = reader.located("bootstrap_file").map(context.expandPath)
        bootstrapType = reader.choice("bootstrap_type", default: .plain)
    }
}

/// `password_hash_algorithm`, with EMQX's names and rules.
public struct PasswordHashConfig: Sendable, Equatable {
    public enum Name: String, Sendable, CaseIterable {
        case plain, md5, sha, sha256, sha512, bcrypt, pbkdf2
    }

    public enum SaltPosition: String, Sendable, CaseIterable {
        case disable, prefix, suffix
    }

    public enum MacFunction: String, Sendable, CaseIterable {
        case md4, md5, ripemd160, sha, sha224, sha256, sha384, sha512
    }

    public var name: Name
    public var saltPosition = SaltPosition.prefix
    /// bcrypt: 5 to 10.
    public var saltRounds = 10
    public var macFunction = MacFunction.sha256
    public var iterations = 1
    /// nil: the HMAC's size.
    public var derivedKeyLength: Int?

    /// EMQX's default: sha256 with the salt in front.
    public static let sha256Prefix = PasswordHashConfig(name: .sha256)

    public init(name: Name) { self.name = name }

    init(_ reader: inout ObjectReader) {
        name = reader.choice("name", default: .sha256)
        switch name {
        case .plain, .md5, .sha, .sha256, .sha512:
            saltPosition = reader.choice("salt_position", default: .prefix)
        case .bcrypt:
            let rounds = reader.integer("salt_rounds", default: 10, range: 0...31)
            saltRounds = min(max(rounds, 5), 10)
            if saltRounds != rounds {
                reader.sink.report(
                    .passwordHashInvalid, .warning, reader.keyLocation("salt_rounds"), reader.path("salt_rounds"),
                    "salt_rounds \(rounds) is outside 5 to 10; EMQX clamps it to \(saltRounds), and so does emqxctl")
            }
        case .pbkdf2:
            if reader.object["mac_fun"] == nil {
                reader.sink.report(
                    .passwordHashInvalid, .error, reader.location, reader.keyPath, "pbkdf2 needs mac_fun (sha256, for example)")
            }
            macFunction = reader.choice("mac_fun", default: .sha256)
            if [.md4, .md5, .ripemd160].contains(macFunction) {
                reader.sink.report(
                    .passwordHashInvalid, .error, reader.keyLocation("mac_fun"), reader.path("mac_fun"),
                    "EMQX accepts mac_fun = \(macFunction.rawValue) here and then fails every password check with it",
                    hint: "use sha, sha224, sha256, sha384 or sha512")
            }
            if reader.object["iterations"] == nil {
                reader.sink.report(.passwordHashInvalid, .error, reader.location, reader.keyPath, "pbkdf2 needs iterations")
            }
            iterations = reader.integer("iterations", default: 1, range: 1...Int(Int32.max))
            if reader.object["dk_length"] != nil {
                derivedKeyLength = reader.integer("dk_length", default: 32, range: 1...1024)
            }
        }
        reader.finish()
    }
}

/// A listener's `enable_authn`.
public enum AuthenticationMode: String, Sendable, CaseIterable {
    /// Run the chain.
    case enabled = "true"
    /// Skip it: every client is let in, anonymous and not a superuser.
    case disabled = "false"
    /// Refuse a CONNECT without a user name at once (not authorized); run the chain for the rest.
    case quickDenyAnonymous = "quick_deny_anonymous"
}
