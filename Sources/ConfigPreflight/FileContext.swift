import CertTools
import ConfigModel
import Foundation

/// Reads the files a config names, turning each failure into a located diagnostic.
struct FileContext {
    let preflight: Preflight
    let sink: DiagnosticSink
    /// The listener the files belong to, for messages about implicit defaults.
    let owner: ListenerConfig?

    /// The absolute path for a configured one (relative paths start at the working directory).
    func absolute(_ path: String) -> String { preflight.paths.absolute(path) }

    private func location(_ file: Located<String>) -> SourceLocation? { file.location ?? owner?.location }

    private func whereFrom(_ file: Located<String>) -> String {
        guard file.location == nil else { return "" }
        if let owner, owner.isImplicit {
            return " (the default of \(owner.id), which EMQX adds implicitly; set \(owner.keyPath) = marked_for_deletion to drop it)"
        }
        return " (the default)"
    }

    /// The bytes of `file`, or nil with a diagnostic.
    func readable(_ file: Located<String>, code: Diagnostic.Code = .fileMissing) -> [UInt8]? {
        let path = absolute(file.value)
        guard FileManager.default.fileExists(atPath: path) else {
            let relative =
                file.value.hasPrefix("/") ? "" : "; relative paths are read from the working directory \(preflight.paths.workingDirectory)"
            sink.report(
                code, .error, location(file), file.keyPath,
                "\(file.value) does not exist\(whereFrom(file))\(relative)",
                hint: code == .pskInitFile ? "create it, or remove init_file" : "fix the path, or create the files with emqxctl cert gen"
            )
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            sink.report(
                .fileUnreadable, .error, location(file), file.keyPath,
                "\(file.value) cannot be read: \(String(cString: strerror(access(path, R_OK) == 0 ? EIO : errno)))",
                hint: "the broker must be able to read it as the user it runs as"
            )
            return nil
        }
        return Array(data)
    }

    /// The certificates in `file`, or nil with a diagnostic.
    func certificates(_ file: Located<String>) -> [Certificate]? {
        guard let bytes = readable(file) else { return nil }
        do {
            let parsed = try CryptoFile.parse(bytes: bytes, path: file.value)
            let certificates = parsed.certificates
            guard !certificates.isEmpty else {
                sink.report(
                    .fileNotPEM, .error, location(file), file.keyPath,
                    "\(file.value) holds no certificate, only \(parsed.items.map(\.object.kindName).joined(separator: ", "))")
                return nil
            }
            return certificates
        } catch {
            sink.report(
                .fileNotPEM, .error, location(file), file.keyPath, "\(error)",
                hint: "it must hold PEM certificates (-----BEGIN CERTIFICATE-----)")
            return nil
        }
    }

    /// The CRLs in `file` (PEM, any number), or nil with a diagnostic.
    func crls(_ file: Located<String>) -> [CertificateRevocationList]? {
        guard let bytes = readable(file) else { return nil }
        do {
            let crls = try CryptoFile.parse(bytes: bytes, path: file.value).crls
            guard !crls.isEmpty else {
                sink.report(.fileNotPEM, .error, location(file), file.keyPath, "\(file.value) holds no CRL")
                return nil
            }
            return crls
        } catch {
            sink.report(
                .fileNotPEM, .error, location(file), file.keyPath, "\(error)", hint: "it must hold PEM CRLs (-----BEGIN X509 CRL-----)")
            return nil
        }
    }

    /// The private key in `file`, decrypted with `password` when needed, or nil with a diagnostic.
    func privateKey(_ file: Located<String>, password: Located<Secret>?) -> PrivateKey? {
        guard let bytes = readable(file) else { return nil }
        var passphrase: Passphrase?
        if let password {
            do {
                passphrase = try Passphrase(try password.value.text(paths: preflight.paths))
            } catch {
                sink.report(.keyPassword, .error, password.location, password.keyPath, "the password cannot be used: \(error)")
                return nil
            }
        }
        do {
            let parsed = try CryptoFile.parse(bytes: bytes, path: file.value, passphrase: passphrase)
            guard let key = parsed.privateKeys.first else {
                sink.report(.fileNotPEM, .error, location(file), file.keyPath, "\(file.value) holds no private key")
                return nil
            }
            return key
        } catch let error as CertToolsError where error.code == .passphraseRequired {
            sink.report(
                .keyPassword, .error, location(file), file.keyPath, "\(file.value) is encrypted and no password is set",
                hint: "set ssl_options.password (\"file:///path\" reads it from a file)")
        } catch let error as CertToolsError where error.code == .wrongPassphrase {
            sink.report(
                .keyPassword, .error, password?.location ?? location(file), password?.keyPath ?? file.keyPath,
                "the password does not decrypt \(file.value)")
        } catch {
            sink.report(.fileNotPEM, .error, location(file), file.keyPath, "\(error)", hint: "it must hold a PEM private key")
        }
        return nil
    }
}
