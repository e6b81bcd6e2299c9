package import ConfigModel

extension BrokerConfig {
    /// The files whose change a reload would pick up, as absolute paths: the TLS files of each
    /// served listener and of the admin endpoint's https (certfile, keyfile, cacertfile,
    /// dhfile, OCSP issuer_pem, crlfile) and acl.conf sources. The config files themselves are
    /// added by the caller, which knows what it read.
    package func watchedFiles(paths: PathResolver) -> [String] {
        var files: [String] = []
        for ssl in servedListeners.compactMap(\.sslOptions) + [dashboard.https?.sslOptions].compactMap({ $0 }) {
            files += [ssl.certfile.value, ssl.keyfile.value, ssl.cacertfile.value].filter { !$0.isEmpty }
            files += [ssl.dhfile?.value, ssl.ocsp?.issuerPEM?.value, ssl.crlfile?.value].compactMap { $0 }
        }
        for source in authorization.sources {
            // Not EMQX's shipped rules, which are no file.
            if case .file(let path, _) = source, !path.value.hasPrefix("<") { files.append(path.value) }
        }
        var seen = Set<String>()
        return files.map(paths.absolute).filter { seen.insert($0).inserted }
    }
}
