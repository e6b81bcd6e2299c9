import ArgumentParser
import BrokerTLS
import ConfigModel
import Foundation
import Stores

/// `bench … --tls`: MQTT over TLS, with mosquitto_pub's option names where it has one.
struct BenchTLSOptions: ParsableArguments {
    @Flag(help: "Connect over TLS (implied by the options below).")
    var tls = false

    @Option(help: ArgumentHelp("Trust these CA certificates and verify the broker.", valueName: "file"))
    var cafile: String?

    @Flag(help: "Do not verify the broker's certificate.")
    var insecure = false

    @Option(help: ArgumentHelp("A client certificate (chain), for verify_peer listeners.", valueName: "file"))
    var cert: String?

    @Option(help: ArgumentHelp("The client certificate's key.", valueName: "file"))
    var key: String?

    @Option(help: "The PSK identity.")
    var pskIdentity: String?

    @Option(help: ArgumentHelp("The PSK as hex digits, as mosquitto_pub --psk takes it.", valueName: "hex"))
    var psk: String?

    @Option(help: "A TLS version to offer (tlsv1.3, tlsv1.2, tlsv1.1, tlsv1); repeat for more. Default: tlsv1.3 and tlsv1.2.")
    var tlsVersion: [TLSVersion] = []

    @Option(help: ArgumentHelp("Suites to offer, comma-separated OpenSSL names (TLS 1.3 and older mixed).", valueName: "list"))
    var ciphers: String?

    @Option(help: ArgumentHelp("The name sent as SNI and checked in the broker's certificate (default: --host).", valueName: "name"))
    var servername: String?

    var isEnabled: Bool { tls || cafile != nil || insecure || cert != nil || psk != nil }

    func validate() throws {
        guard (pskIdentity == nil) == (psk == nil) else { throw ValidationError("--psk and --psk-identity go together") }
        guard key == nil || cert != nil else { throw ValidationError("--key needs --cert") }
        guard !(cafile != nil && insecure) else { throw ValidationError("--cafile and --insecure contradict each other") }
    }

    /// The client settings, or nil for plain TCP.
    func options(host: String) throws -> TLSClientOptions? {
        guard isEnabled else { return nil }
        var options = TLSClientOptions()
        options.caFile = cafile
        options.certFile = cert
        options.keyFile = key
        if let pskIdentity, let psk { options.psk = (identityBytes(pskIdentity), try secretBytes(psk, encoding: .hex)) }
        if !tlsVersion.isEmpty { options.versions = tlsVersion }
        options.ciphers = ciphers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        options.serverName = servername ?? host
        return options
    }
}
