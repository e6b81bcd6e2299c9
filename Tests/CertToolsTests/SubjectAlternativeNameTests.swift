import CertTools
import Testing

@Suite struct SubjectAlternativeNameTests {
    @Test(arguments: [
        ("localhost", SubjectAlternativeName.dns("localhost")),
        ("Broker.Example.COM", .dns("broker.example.com")),
        ("*.example.com", .dns("*.example.com")),
        ("127.0.0.1", .ipAddress("127.0.0.1")),
        ("::1", .ipAddress("::1")),
        ("2001:DB8:0:0::1", .ipAddress("2001:db8::1")),
        ("spiffe://cluster.local/ns/mqtt", .uri("spiffe://cluster.local/ns/mqtt")),
        ("ops@example.com", .email("ops@example.com")),
        ("DNS:10.0.0.1.example", .dns("10.0.0.1.example")),
        ("IP:10.0.0.1", .ipAddress("10.0.0.1")),
        ("email:a@b.example", .email("a@b.example")),
        ("URI:urn:device:17", .uri("urn:device:17")),
    ])
    func classifies(_ input: String, _ expected: SubjectAlternativeName) throws {
        #expect(try SubjectAlternativeName(classifying: input) == expected)
    }

    @Test(arguments: [
        "", "exa mple.com", "-bad.example", "bad-.example", "a..b", "bücher.example",
        "IP:999.1.1.1", "x@", "@example.com", "a@b@c", "http://", "under_score.example",
        "*.com", String(repeating: "a", count: 64) + ".example",
    ])
    func rejects(_ input: String) {
        let error = #expect(throws: CertToolsError.self) { try SubjectAlternativeName(classifying: input) }
        #expect(error?.code == .invalidSubjectAlternativeName)
        #expect(error?.reason.contains("is not a valid host name, IP address, URI or email address") == true)
    }
}
