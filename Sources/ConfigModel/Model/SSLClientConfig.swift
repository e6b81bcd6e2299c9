/// The `ssl` block of a connection EMQX makes out (an authentication backend, a bridge, …).
public struct SSLClientConfig: Sendable {
    /// Where the block is: `authentication.1.ssl`.
    public let keyPath: String
    public var enable = false
    public var certfile: Located<String>?
    public var keyfile: Located<String>?
    public var cacertfile: Located<String>?
    public var password: Located<Secret>?
    public var verify = VerifyMode.verifyNone
    public var serverNameIndication: String?
    public var versions: Located<[TLSVersion]>
    public var ciphers: Located<[String]>
    public var depth = 10
    public var location: SourceLocation?

    init(_ reader: inout ObjectReader, context: DecodingContext) {
        keyPath = reader.keyPath
        location = reader.location
        enable = reader.bool("enable", default: false)
        certfile = reader.located("certfile").map(context.expandPath)
        keyfile = reader.located("keyfile").map(context.expandPath)
        cacertfile = reader.located("cacertfile").map(context.expandPath)
        password = reader.secret()
        verify = reader.choice("verify", default: .verifyNone)
        if let sni = reader.located("server_name_indication") {
            if sni.value.isEmpty {
                reader.sink.report(
                    .invalidValue, .error, sni.location, sni.keyPath, "server_name_indication cannot be empty",
                    hint: "give a host name, or \"disable\"")
            }
            serverNameIndication = sni.value
        }
        versions = reader.tlsVersions()
        ciphers = reader.cipherNames()
        depth = reader.integer("depth", default: 10, range: 0...Int.max)
        reader.notApplied(
            ["reuse_sessions"], why: "connections to a backend are kept open and reused instead of resuming TLS sessions")
        reader.notApplied(
            ["secure_renegotiate", "middlebox_comp_mode"], why: "OpenSSL always renegotiates securely and uses middlebox compatibility")
        reader.notApplied(
            ["hibernate_after", "log_level", "cacerts", "user_lookup_fun", "partial_chain", "verify_peer_ext_key_usage"],
            why: "an Erlang TLS tuning or Enterprise option")
        reader.finish()
        if enable && verify == .verifyPeer && (cacertfile?.value ?? "").isEmpty {
            context.sink.report(
                .verifyPeerRequired, .error, location, keyPath,
                "verify = verify_peer needs a cacertfile to verify the server against",
                hint: "set cacertfile to the CA that issued the server's certificate"
            )
        }
        if enable && verify == .verifyNone {
            context.sink.report(
                .verifyPeerWithoutRequirement, .warning, location, keyPath,
                "TLS is on but verify = verify_none: the server's certificate is not checked, so anyone in the path can impersonate it",
                hint: "set verify = verify_peer and cacertfile"
            )
        }
    }
}
