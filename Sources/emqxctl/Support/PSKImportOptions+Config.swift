import ConfigModel
import Stores

extension PSKImportOptions {
    /// The import settings of an emqx.conf's psk_authentication block.
    init(_ settings: PSKAuthenticationConfig) {
        self.init()
        separator = settings.separator
        chunkSize = settings.chunkSize
        encoding = PSKSecretEncoding(rawValue: settings.secretEncoding.rawValue) ?? .raw
    }
}
