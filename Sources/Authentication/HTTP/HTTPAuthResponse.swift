package import BrokerCore
import Foundation

/// What an HTTP authentication backend's response means, exactly as EMQX reads it (§3.4):
/// 204 allows; a 200 with a JSON (or form) body decides by its `result`; anything else is
/// ignored. Beyond EMQX: a 5xx counts as "could not answer", which the chain turns into
/// server unavailable when nothing else accepts the client.
package enum HTTPAuthResponse {
    /// The answer, and a warning for the log when the body asks for something serve does not
    /// do yet (`acl`).
    package static func interpret(status: Int, contentType: String?, body: [UInt8]) -> (AuthenticatorAnswer, warning: String?) {
        switch status {
        case 204:
            return (.allow(isSuperuser: false), nil)
        case 200:
            let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            let fields: [String: Any]
            if mediaType.hasPrefix("application/json") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return (.ignore, nil) }
                fields = object
            } else if mediaType.hasPrefix("application/x-www-form-urlencoded") {
                fields = form(String(decoding: body, as: UTF8.self))
            } else {
                return (.ignore, nil)
            }
            return decide(fields)
        case 500...599:
            return (.unavailable(reason: "the server answered \(status)"), nil)
        default:
            return (.ignore, nil)
        }
    }

    private static func decide(_ fields: [String: Any]) -> (AuthenticatorAnswer, warning: String?) {
        switch fields["result"] as? String {
        case "allow":
            var expiresAt: Int64?
            if let value = fields["expire_at"] {
                // Unix seconds in the future; a number that large in seconds is really
                // milliseconds (EMQX's check: at most now in ms / 2).
                let now = Date().timeIntervalSince1970
                guard let seconds = (value as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) }), Double(seconds) > now,
                    Double(seconds) <= now * 1000 / 2
                else { return (.deny(.badUserNameOrPassword), nil) }
                expiresAt = seconds
            }
            let warning =
                fields["acl"] == nil
                ? nil : "the backend's acl rules are not applied by serve yet: the client's topics are not limited by them"
            return (.allow(isSuperuser: isTrue(fields["is_superuser"]), expiresAt: expiresAt), warning)
        case "deny":
            return (.deny(.notAuthorized), nil)
        default:
            return (.ignore, nil)
        }
    }

    /// EMQX's `to_bool`: true, 1 or more, and the strings "true" and numbers of 1 or more.
    static func isTrue(_ value: Any?) -> Bool {
        switch value {
        case let number as NSNumber: return number.doubleValue >= 1
        case let text as String: return text == "true" || (Int(text).map { $0 >= 1 } ?? false)
        default: return false
        }
    }

    private static func form(_ text: String) -> [String: Any] {
        var fields: [String: Any] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part) }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
