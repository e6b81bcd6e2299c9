import Foundation

/// `authorization`: EMQX's sources of rules, what to do when none matches, how a denial is
/// answered, and the per-connection cache, with EMQX 5.8's defaults.
public struct AuthorizationConfig: Sendable {
    public enum NoMatch: String, Sendable, CaseIterable { case allow, deny }
    public enum DenyAction: String, Sendable, CaseIterable { case ignore, disconnect }

    public struct Cache: Sendable {
        public var enable = true
        /// 1 to 1,048,576; default 32.
        public var maxSize = 32
        public var ttl = ConfigDuration.seconds(60)
        /// Topic filters whose decisions are never cached.
        public var excludes: [String] = []

        public init() {}
    }

    /// One `sources` element, in order.
    public enum Source: Sendable {
        /// `type = file`: the rules of an `acl.conf`.
        case file(path: Located<String>, rules: ACLRuleSet)
        /// `type = built_in_database`: rules kept in the user store, by `emqxctl acl`.
        case builtInDatabase(maxRules: Int)
    }

    public var noMatch = NoMatch.allow
    public var denyAction = DenyAction.ignore
    public var cache = Cache()
    /// The enabled sources, in order.
    public var sources: [Source] = []
    /// Where `authorization` is written (nil: EMQX's defaults apply).
    public var location: SourceLocation?

    public init() {}

    /// EMQX's default: one file source, `${EMQX_ETC_DIR}/acl.conf`. Where that file does not
    /// exist (a config written for emqxctl alone), EMQX's shipped rules apply, and a note says so.
    static func defaults(context: DecodingContext) -> AuthorizationConfig {
        var config = AuthorizationConfig()
        config.sources = [defaultFileSource(keyPath: "authorization.sources.1.path", at: nil, context: context)]
        return config
    }

    private static func defaultFileSource(keyPath: String, at location: SourceLocation?, context: DecodingContext) -> Source {
        let path = context.expandPath(Located("${EMQX_ETC_DIR}/acl.conf", at: location, keyPath: keyPath))
        // Read once: a file that is there is EMQX's source (an unreadable one is an error);
        // only a missing one falls back to EMQX's shipped rules.
        do {
            if let text = try context.fileSystem.contents(of: path.value) {
                return .file(path: path, rules: ACLFile.parse(text, path: path.value, keyPath: keyPath, sink: context.sink))
            }
        } catch {
            context.sink.report(.fileUnreadable, .error, location, keyPath, "\(path.value) cannot be read: \(error.localizedDescription)")
        }
        context.sink.report(
            .aclDefault, .note, location, keyPath,
            "no \(path.value): serve applies EMQX's shipped acl.conf (127.0.0.1 may use any topic; others may do anything but subscribe to $SYS/#, # or +/#)",
            hint: "write authorization.sources, or put an acl.conf there (examples/acl.conf is EMQX's)")
        let rules = ACLFile.parse(ACLFile.emqxDefault, path: "<EMQX's default acl.conf>", keyPath: keyPath, sink: context.sink)
        return .file(path: Located(rules.file, at: nil, keyPath: keyPath), rules: rules)
    }

    init(_ reader: inout ObjectReader, context: DecodingContext) {
        location = reader.location
        noMatch = reader.choice("no_match", default: .allow)
        denyAction = reader.choice("deny_action", default: .ignore)
        if reader.object["cache"] != nil {
            var cacheReader = reader.object("cache")
            cache.enable = cacheReader.bool("enable", default: true)
            cache.maxSize = cacheReader.integer("max_size", default: 32, range: 1...1_048_576)
            cache.ttl = cacheReader.duration("ttl", default: .seconds(60))
            if let value = cacheReader.value("excludes") {
                if case .array(let elements) = value.kind {
                    cache.excludes = elements.compactMap(\.scalarText)
                } else {
                    cacheReader.invalid("excludes", value, "expected a list of topic filters")
                }
            }
            cacheReader.finish()
        }
        if let value = reader.value("sources") {
            sources = Self.sources(value, keyPath: reader.path("sources"), context: context)
        } else {
            sources = [Self.defaultFileSource(keyPath: reader.path("sources.1.path"), at: reader.location, context: context)]
        }
        reader.finish()
    }

    private static func sources(_ value: HOCONValue, keyPath: String, context: DecodingContext) -> [Source] {
        guard case .array(let elements) = value.kind else {
            context.sink.report(.invalidValue, .error, value.location, keyPath, "expected an array of sources, found \(value.kindName)")
            return []
        }
        var sources: [Source] = []
        var types: [String: String] = [:]
        for (index, element) in elements.enumerated() {
            let path = "\(keyPath).\(index + 1)"
            var reader = ObjectReader(element, keyPath: path, context: context)
            let enable = reader.bool("enable", default: true)
            guard let type = reader.located("type") else {
                context.sink.report(
                    .authorizationSource, .error, element.location, path, "a source needs a type (file, built_in_database, …)")
                continue
            }
            if let first = types[type.value] {
                context.sink.report(
                    .authorizationSource, .error, type.location, type.keyPath,
                    "a second \(type.value) source; EMQX allows one of each type", hint: "the first is \(first)")
            }
            types[type.value] = path
            switch type.value {
            case "file":
                guard let file = reader.located("path").map(context.expandPath) else {
                    context.sink.report(.authorizationSource, .error, element.location, path, "a file source needs a path (etc/acl.conf)")
                    reader.finish()
                    continue
                }
                reader.notApplied(["rules"], .warning, why: "EMQX writes rules given through its API to the file; serve reads only path")
                reader.finish()
                // A disabled file is still checked, as EMQX validates it at load.
                if let rules = ACLFile.load(file, fileSystem: context.fileSystem, sink: context.sink), enable {
                    sources.append(.file(path: file, rules: rules))
                }
            case "built_in_database":
                let maxRules = reader.integer("max_rules", default: 100, range: 1...Int(Int32.max))
                reader.finish()
                if enable { sources.append(.builtInDatabase(maxRules: maxRules)) }
            default:
                for key in reader.object.keys { reader.declare([key]) }
                context.sink.report(
                    .authorizationSource, enable ? .error : .note, type.location, type.keyPath,
                    "serve cannot ask a \(type.value) source"
                        + (enable ? ": without it, clients would be allowed or denied otherwise than the config says" : "; it is disabled"),
                    hint: "serve runs type = file (acl.conf) and built_in_database")
            }
        }
        return sources
    }
}
