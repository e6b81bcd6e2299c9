import ArgumentParser
import CertTools
import Foundation

/// Where the CA folder is, and how to decrypt its key.
struct CAFolderOptions: ParsableArguments {
    @Option(name: [.customLong("dir"), .customShort("d")], help: "The CA folder made by `cert gen`.")
    var directory = "etc/certs"

    @OptionGroup var passphrase: PassphraseOptions

    func openAuthority() throws -> CertificateAuthority {
        try CertificateAuthority.open(folder: directory, passphrase: try passphrase.read())
    }
}

/// The CA key passphrase: from a file or an environment variable, never from the command line
/// (where `ps` and shell history would show it).
struct PassphraseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read the CA key passphrase from this file.", valueName: "file"))
    var caPassphraseFile: String?

    @Option(help: ArgumentHelp("Read the CA key passphrase from this environment variable.", valueName: "name"))
    var caPassphraseEnv: String?

    func validate() throws {
        if caPassphraseFile != nil && caPassphraseEnv != nil {
            throw ValidationError("--ca-passphrase-file and --ca-passphrase-env cannot be used together; pick one")
        }
    }

    func read() throws -> Passphrase? { try Self.load(file: caPassphraseFile, environment: caPassphraseEnv) }

    /// A passphrase from a file or an environment variable, or nil when neither is named.
    static func load(file: String?, environment name: String?) throws -> Passphrase? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read the passphrase file \(file)")
            }
            return try Passphrase(String(decoding: data, as: UTF8.self))
        }
        if let name {
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw ValidationError("the environment variable \(name) is not set")
            }
            return try Passphrase(value)
        }
        return nil
    }
}

/// The passphrase of an encrypted key being read (not necessarily a CA's).
struct KeyPassphraseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read the passphrase of encrypted keys from this file.", valueName: "file"))
    var passphraseFile: String?

    @Option(help: ArgumentHelp("Read the passphrase of encrypted keys from this environment variable.", valueName: "name"))
    var passphraseEnv: String?

    func validate() throws {
        if passphraseFile != nil && passphraseEnv != nil {
            throw ValidationError("--passphrase-file and --passphrase-env cannot be used together; pick one")
        }
    }

    func read() throws -> Passphrase? { try PassphraseOptions.load(file: passphraseFile, environment: passphraseEnv) }
}
