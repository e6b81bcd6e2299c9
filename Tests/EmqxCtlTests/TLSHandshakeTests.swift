import EmqxTestSupport
import Foundation
import Testing

struct SubprocessFailure: Error, CustomStringConvertible {
    let description: String
}

/// The generated PKI in a real TLS handshake: `openssl s_server` with the server pair,
/// `openssl s_client -verify_return_error -verify_hostname localhost` against it.
@Suite struct TLSHandshakeTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory()
        let generated = try Emqxctl.run(["cert", "gen", "--out", folder.path, "--intermediate"])
        try #require(generated.status == 0, "\(generated)")
    }

    /// Starts `openssl s_server` with the generated server pair on a free loopback port and
    /// returns it with its port. s_server sends only the first certificate of -cert, so the
    /// intermediate goes in with -cert_chain (EMQX and mosquitto read cert.pem whole).
    func startServer(_ options: [String]) throws -> (Subprocess.Running, UInt16) {
        let port = try Loopback.freePort()
        var command = Subprocess(
            "openssl",
            [
                "s_server", "-accept", "127.0.0.1:\(port)", "-cert", "cert.pem", "-cert_chain", "intermediate-cert.pem",
                "-key", "key.pem", "-naccept", "1",
            ] + options,
            workingDirectory: folder.path
        )
        command.keepsStandardInputOpen = true  // s_server quits at end of stdin
        let server = try command.start()
        // Wait for "ACCEPT" rather than probing the port: a probe would use up -naccept 1.
        let deadline = Date().addingTimeInterval(10)
        while !server.stdout.contains("ACCEPT") && server.isRunning && Date() < deadline { usleep(10_000) }
        guard server.stdout.contains("ACCEPT") else {
            let outcome = server.stop()
            throw SubprocessFailure(description: "s_server did not start: \(outcome)")
        }
        return (server, port)
    }

    /// Runs s_server with `serverOptions`, connects s_client with `clientOptions`, and returns
    /// both outcomes.
    func handshake(server serverOptions: [String], client clientOptions: [String], host: String = "localhost") throws -> (
        server: Subprocess.Outcome, client: Subprocess.Outcome
    ) {
        let (server, port) = try startServer(serverOptions)
        defer { server.stop() }
        let client = try OpenSSLCLI.run(
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-servername", host, "-CAfile", "cacert.pem",
                "-verify_return_error", "-verify_hostname", host,
            ] + clientOptions,
            in: folder.path, timeout: 20
        )
        // Give s_server a moment to log the connection before it is stopped.
        let deadline = Date().addingTimeInterval(2)
        while server.isRunning && Date() < deadline { usleep(10_000) }
        return (server.stop(), client)
    }

    @Test(arguments: ["-tls1_2", "-tls1_3"])
    func serverCertificateVerifies(_ version: String) throws {
        let (_, client) = try handshake(server: [], client: [version])
        #expect(client.status == 0, "\(client)")
        #expect(client.stdout.contains("Verify return code: 0 (ok)"), "\(client)")
        #expect(client.stdout.contains("Verification: OK"), "\(client)")
    }

    @Test(arguments: ["-tls1_2", "-tls1_3"])
    func clientCertificateIsAccepted(_ version: String) throws {
        let (server, client) = try handshake(
            server: ["-Verify", "2", "-CAfile", "cacert.pem", "-verify_return_error"],
            client: [version, "-cert", "client-cert.pem", "-key", "client-key.pem", "-cert_chain", "intermediate-cert.pem"]
        )
        #expect(client.status == 0, "\(client)")
        #expect(client.stdout.contains("Verify return code: 0 (ok)"), "\(client)")
        #expect(server.stdout.contains("CN = client") || server.stderr.contains("CN = client"), "\(server)")
    }

    @Test func serverThatRequiresAClientCertificateRefusesNone() throws {
        let (server, client) = try handshake(
            server: ["-Verify", "2", "-CAfile", "cacert.pem", "-verify_return_error"], client: ["-tls1_2"])
        #expect(client.status != 0, "\(client)")
        #expect((server.stdout + server.stderr).contains("peer did not return a certificate"), "\(server)")
    }

    @Test func wrongHostNameIsRefusedByTheClient() throws {
        let (_, client) = try handshake(server: [], client: [], host: "elsewhere.test")
        #expect(client.status != 0)
        #expect((client.stdout + client.stderr).contains("hostname mismatch"), "\(client)")
    }
}
