/// File names in a CA folder made by `cert gen`. The certificate and key names match EMQX's
/// `etc/certs`, so an `emqx.conf` that points there needs no edits.
public enum CAFolderLayout {
    public static let rootCertificate = "cacert.pem"
    public static let rootKey = "cakey.pem"
    public static let intermediateCertificate = "intermediate-cert.pem"
    public static let intermediateKey = "intermediate-key.pem"
    public static let serverCertificate = "cert.pem"
    public static let serverKey = "key.pem"
    public static let clientCertificate = "client-cert.pem"
    public static let clientKey = "client-key.pem"
    /// The issuing CA's database, in `openssl ca` index.txt format.
    public static let database = "index.txt"
    /// The database's attributes, as `openssl ca` keeps them: `unique_subject = no`, so that a
    /// renewal (a second valid certificate for the same name) leaves an index that `openssl ca`
    /// and `openssl ocsp -index` still load.
    public static let databaseAttributes = "index.txt.attr"
    /// The next cRLNumber, in hex, as `openssl ca` keeps it.
    public static let crlNumber = "crlnumber"
    /// Where `cert crl` publishes the CRL by default.
    public static let crl = "crl.pem"

    /// Names a `--client NAME` or `cert issue … NAME` may not take, because the folder uses them.
    static let reservedNames: Set<String> = ["ca", "cacert", "cakey", "cert", "key", "client", "intermediate", "crl", "index"]

    /// `NAME-cert.pem` and `NAME-key.pem` for an extra certificate.
    public static func files(forName name: String) throws -> (certificate: String, key: String) {
        guard !name.isEmpty, name.count <= 64, name.first != ".", name.first != "-",
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else {
            throw CertToolsError(
                .invalidArgument, "\"\(name)\" is not a usable name: use 1 to 64 letters, digits, dots, hyphens or underscores")
        }
        guard !reservedNames.contains(name.lowercased()) else {
            throw CertToolsError(.invalidArgument, "\"\(name)\" is taken by the CA folder's own files; choose another name")
        }
        return ("\(name)-cert.pem", "\(name)-key.pem")
    }
}
