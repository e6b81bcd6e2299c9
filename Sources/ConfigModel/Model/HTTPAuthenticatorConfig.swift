import Foundation

/// `backend = http`: EMQX's HTTP authentication (emqx_authn_http), with its defaults.
public struct HTTPAuthenticatorConfig: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case get
        case post
    }

    public var method = Method.post
    /// nil when the URL is missing or invalid (reported).
    public var url: BackendURL?
    /// Lower-cased names, in order; values templated. EMQX's defaults unless `headers` is
    /// written, which replaces them (its Q6), except that post keeps a content-type.
    public var headers: [(name: String, value: AuthTemplate)] = []
    /// Keys and values templated, sorted by key (EMQX encodes a map, sorted in practice).
    public var body: [(key: AuthTemplate, value: AuthTemplate)] = []
    public var requestTimeout = ConfigDuration.seconds(5)
    public var connectTimeout = ConfigDuration.seconds(15)
    public var poolSize = 8
    public var ssl: SSLClientConfig?

    /// How a post body is encoded, from the exact content-type, parsed as a media type (beyond
    /// EMQX's Q5, where a parameter such as `; charset=utf-8` crashes the request).
    public enum BodyEncoding: Sendable { case json, form }
    public var bodyEncoding = BodyEncoding.json

    static let defaultHeaders = [
        ("accept", "application/json"), ("cache-control", "no-cache"), ("connection", "keep-alive"),
        ("keep-alive", "timeout=30, max=1000"),
    ]

    init(_ reader: inout ObjectReader, context: DecodingContext) {
        if reader.object["method"] == nil {
            reader.sink.report(
                .authenticatorInvalid, .warning, reader.location, reader.keyPath,
                "no method; EMQX refuses an http authenticator without one, emqxctl assumes post", hint: "write method = post")
        }
        method = reader.choice("method", default: .post)
        if let url = reader.located("url") {
            switch BackendURL.parse(url.value) {
            case .success(let parsed): self.url = parsed
            case .failure(.problem(let problem)):
                reader.sink.report(
                    .authenticationURL, .error, url.location, url.keyPath, "\"\(url.value)\" cannot be requested: \(problem)")
            case .failure(.placeholders(let names)):
                Self.reportPlaceholders(names, at: url.location, keyPath: url.keyPath, sink: reader.sink)
            }
        } else {
            reader.sink.report(.authenticationURL, .error, reader.location, reader.keyPath, "an http authenticator needs a url")
        }
        headers = Self.headers(&reader, method: method)
        body = Self.body(&reader)
        if method == .post, let type = headers.first(where: { $0.name == "content-type" })?.value.render({ _ in "" }) {
            let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            switch mediaType {
            case "application/json": bodyEncoding = .json
            case "application/x-www-form-urlencoded": bodyEncoding = .form
            default:
                reader.sink.report(
                    .authenticatorInvalid, .error, reader.keyLocation("headers"), reader.path("headers.content-type"),
                    "a post body cannot be sent as \(type); EMQX fails every request with it",
                    hint: "use application/json or application/x-www-form-urlencoded")
            }
        }
        requestTimeout = reader.duration("request_timeout", default: requestTimeout)
        connectTimeout = reader.duration("connect_timeout", default: connectTimeout)
        poolSize = reader.integer("pool_size", default: 8, range: 1...1024)
        reader.notApplied(["enable_pipelining"], why: "each pooled connection carries one request at a time")
        reader.notApplied(["max_retries", "retry_interval", "pool_type"], why: "deprecated in EMQX 5; emqxctl does not retry a request")
        if reader.value("ssl") != nil {
            var sslReader = reader.object("ssl")
            ssl = SSLClientConfig(&sslReader, context: context)
        }
        if let url, url.isTLS, ssl?.enable != true {
            reader.sink.report(
                .authenticationURL, .error, reader.keyLocation("url"), reader.path("url"),
                "an https url needs ssl.enable = true; EMQX refuses the pair",
                hint: "add ssl { enable = true, verify = verify_peer, cacertfile = … }")
        }
        if let url, !url.isTLS, ssl?.enable == true {
            reader.sink.report(
                .authenticationURL, .warning, reader.keyLocation("url"), reader.path("url"),
                "ssl.enable = true but the url is http://: the request goes out in plain text", hint: "use https://")
        }
    }

    private static func headers(_ reader: inout ObjectReader, method: Method) -> [(name: String, value: AuthTemplate)] {
        var pairs: [(String, String)] = defaultHeaders
        if let value = reader.value("headers") {
            var object = ObjectReader(value, keyPath: reader.path("headers"), context: reader.context)
            pairs = []
            for key in object.object.keys {
                object.declare([key])
                guard let text = object.object[key]?.scalarText else {
                    object.invalid(key, object.object[key]!, "a header value must be a string")
                    continue
                }
                pairs.append((key.lowercased(), text))
            }
        }
        pairs.removeAll { $0.0 == "content-type" && method == .get }
        if method == .post && !pairs.contains(where: { $0.0 == "content-type" }) { pairs.append(("content-type", "application/json")) }
        return pairs.map { name, text in
            let (template, unknown) = AuthTemplate.parse(text)
            reportPlaceholders(unknown, at: reader.keyLocation("headers"), keyPath: reader.path("headers.\(name)"), sink: reader.sink)
            return (name, template)
        }
    }

    private static func body(_ reader: inout ObjectReader) -> [(key: AuthTemplate, value: AuthTemplate)] {
        guard let value = reader.value("body") else { return [] }
        var object = ObjectReader(value, keyPath: reader.path("body"), context: reader.context)
        var pairs: [(String, AuthTemplate, AuthTemplate)] = []
        for key in object.object.keys {
            object.declare([key])
            guard let text = object.object[key]?.scalarText else {
                object.invalid(key, object.object[key]!, "a body value must be a string")
                continue
            }
            let (keyTemplate, keyUnknown) = AuthTemplate.parse(key)
            let (valueTemplate, valueUnknown) = AuthTemplate.parse(text)
            reportPlaceholders(
                keyUnknown + valueUnknown, at: object.object[key]?.location, keyPath: object.path(key), sink: reader.sink)
            pairs.append((key, keyTemplate, valueTemplate))
        }
        return pairs.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
    }

    static func reportPlaceholders(_ names: [String], at location: SourceLocation?, keyPath: String, sink: DiagnosticSink) {
        guard !names.isEmpty else { return }
        sink.report(
            .placeholderUnknown, .error, location, keyPath,
            "unknown placeholder\(names.count == 1 ? "" : "s") \(names.map { "${\($0)}" }.joined(separator: ", ")); EMQX would send \(names.count == 1 ? "it" : "them") literally",
            hint:
                "known: \(AuthTemplate.variables.sorted().map { "${\($0)}" }.joined(separator: ", ")), ${client_attrs.NAME}, and ${$} for a $"
        )
    }
}
