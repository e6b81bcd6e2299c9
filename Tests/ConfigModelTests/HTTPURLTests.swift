import Testing

@testable import ConfigModel

struct HTTPURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:9877", "127.0.0.1", 9877, "/"),
        ("127.0.0.1:9877", "127.0.0.1", 9877, "/"),  // EMQX adds http://
        ("http://ocsp.example.com/ocsp?x=1", "ocsp.example.com", 80, "/ocsp?x=1"),
        ("HTTP://[::1]:8080/crl/ca.crl", "::1", 8080, "/crl/ca.crl"),
        ("http://host?q", "host", 80, "/?q"),
    ])
    func parsesHostPortAndPath(_ text: String, _ host: String, _ port: Int, _ path: String) throws {
        let url = try #require(HTTPURL(text))
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.path == path)
    }

    @Test(arguments: [
        "https://ocsp.example.com", "ldap://dir.example.com/cn=ca", "http://", "http://:80/", "http://h:0/", "http://h:99999/",
        "http://user@h/", "http://[::1/",
    ])
    func refusesWhatItCannotFetch(_ text: String) {
        #expect(HTTPURL(text) == nil)
    }

    @Test(arguments: ["http://user@h/", "http://[::1/", "http://h:x/"])
    func configCheckRefusesWhatServeCouldNotFetch(_ url: String) {
        #expect(ConfigRules.responderURLProblem(url) != nil, "\(url)")
    }

    @Test func appendsARequestAsOnePathSegment() throws {
        #expect(try #require(HTTPURL("http://h:1")).appendingPathComponent("MEIw").description == "http://h:1/MEIw")
        #expect(try #require(HTTPURL("http://h/ocsp")).appendingPathComponent("MEIw").description == "http://h/ocsp/MEIw")
        #expect(try #require(HTTPURL("http://h/ocsp/")).appendingPathComponent("MEIw").description == "http://h/ocsp/MEIw")
    }
}
