package import ConfigModel

/// The request an HTTP authenticator sends for one CONNECT, rendered from its config as EMQX
/// renders it (`emqx_auth_utils:generate_request`, §3.3): placeholders in the path are
/// percent-encoded; URL query values and, for get, the body pairs are form-encoded into the
/// query; a post body is JSON or form, as the content-type says.
package struct HTTPAuthRequest: Sendable, Equatable {
    package let method: HTTPAuthenticatorConfig.Method
    /// Path and query.
    package let target: String
    package let headers: [Header]
    package let body: [UInt8]

    package struct Header: Sendable, Equatable {
        package let name: String
        package let value: String
    }

    package init(_ config: HTTPAuthenticatorConfig, url: BackendURL, credentials: ClientCredentials) {
        let value = credentials.value(of:)
        let path = url.path.render(value, encode: Self.percentEncode)
        var pairs = url.query.map { ($0.name, $0.value.render(value, encode: Self.formEncode)) }
        let bodyPairs = config.body.map { ($0.key.render(value), $0.value.render(value)) }
        var body: [UInt8] = []
        switch config.method {
        case .get:
            pairs += bodyPairs.map { (Self.formEncode($0.0), Self.formEncode($0.1)) }
        case .post:
            switch config.bodyEncoding {
            case .json: body = Array(Self.json(bodyPairs).utf8)
            case .form: body = Array(bodyPairs.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&").utf8)
            }
        }
        method = config.method
        target = pairs.isEmpty ? path : path + "?" + pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        headers = config.headers.map { Header(name: $0.name, value: $0.value.render(value)) }
        self.body = body
    }

    /// RFC 3986's unreserved characters stay; every other byte is `%XX`.
    static func percentEncode(_ text: String) -> String {
        encode(text, space: "%20")
    }

    /// `application/x-www-form-urlencoded`, as Erlang's `uri_string:compose_query`: space is `+`.
    static func formEncode(_ text: String) -> String {
        encode(text, space: "+")
    }

    private static func encode(_ text: String, space: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += space
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// A JSON object of strings, keys in order.
    static func json(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\(QuotedString.json($0.0)):\(QuotedString.json($0.1))" }.joined(separator: ",") + "}"
    }
}
