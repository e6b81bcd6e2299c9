import BrokerCore
import Testing

@testable import Authentication

/// What the backend's answer means (§3.4).
@Suite struct HTTPAuthResponseTests {
    static func answer(_ status: Int, _ type: String? = "application/json", _ body: String = "") -> AuthenticatorAnswer {
        HTTPAuthResponse.interpret(status: status, contentType: type, body: Array(body.utf8)).0
    }

    @Test func statusAndResult() {
        #expect(Self.answer(204) == .allow(isSuperuser: false))
        #expect(Self.answer(200, "application/json; charset=utf-8", #"{"result":"allow"}"#) == .allow(isSuperuser: false))
        #expect(Self.answer(200, "application/json", #"{"result":"deny"}"#) == .deny(.notAuthorized))
        #expect(Self.answer(200, "application/json", #"{"result":"ignore"}"#) == .ignore)
        #expect(Self.answer(200, "application/json", #"{"result":"Allow"}"#) == .ignore, "case-sensitive")
        #expect(Self.answer(200, "application/json", #"{}"#) == .ignore)
        #expect(Self.answer(200, "application/json", "not json") == .ignore)
        #expect(Self.answer(200, "text/plain", #"{"result":"allow"}"#) == .ignore)
        #expect(Self.answer(200, nil, #"{"result":"allow"}"#) == .ignore)
        #expect(Self.answer(200, "application/x-www-form-urlencoded", "result=allow&is_superuser=true") == .allow(isSuperuser: true))
        #expect(Self.answer(201, "application/json", #"{"result":"allow"}"#) == .ignore)
        // 4xx never denies (EMQX); a 5xx could not answer, which the chain remembers.
        #expect(Self.answer(401, "application/json", #"{"result":"deny"}"#) == .ignore)
        #expect(Self.answer(503) == .unavailable(reason: "the server answered 503"))
    }

    /// EMQX's to_bool: true, "true", 1, "1", and numbers of 1 or more.
    @Test func superuserFlag() {
        for yes in ["true", #""true""#, "1", #""1""#, "2", #""7""#] {
            #expect(
                Self.answer(200, "application/json", #"{"result":"allow","is_superuser":\#(yes)}"#) == .allow(isSuperuser: true), "\(yes)")
        }
        for no in ["false", #""false""#, "0", #""yes""#, "null", #""""#] {
            #expect(
                Self.answer(200, "application/json", #"{"result":"allow","is_superuser":\#(no)}"#) == .allow(isSuperuser: false), "\(no)")
        }
    }

    /// An expire_at in the past, not a whole number, or in milliseconds refuses the credentials
    /// (0x86); one in the future ends the connection then.
    @Test func expireAt() {
        #expect(Self.answer(200, "application/json", #"{"result":"allow","expire_at":1000}"#) == .deny(.badUserNameOrPassword))
        #expect(Self.answer(200, "application/json", #"{"result":"allow","expire_at":"soon"}"#) == .deny(.badUserNameOrPassword))
        #expect(Self.answer(200, "application/json", #"{"result":"allow","expire_at":4102444800000}"#) == .deny(.badUserNameOrPassword))
        let (answer, warning) = HTTPAuthResponse.interpret(
            status: 200, contentType: "application/json", body: Array(#"{"result":"allow","expire_at":4102444800}"#.utf8))
        #expect(answer == .allow(isSuperuser: false, expiresAt: 4_102_444_800))
        #expect(warning == nil)
        let (_, aclWarning) = HTTPAuthResponse.interpret(
            status: 200, contentType: "application/json", body: Array(#"{"result":"allow","acl":[]}"#.utf8))
        #expect(aclWarning?.contains("acl") == true)
    }
}
