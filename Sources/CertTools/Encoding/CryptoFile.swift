import Foundation

/// Anything a PEM or DER file can hold that we understand.
public enum CryptoObject: Sendable {
    case certificate(Certificate)
    case privateKey(PrivateKey)
    case publicKey(PublicKey)
    case certificateRequest(CertificateSigningRequest)
    case crl(CertificateRevocationList)

    /// What to call it in messages: "certificate", "private key", …
    public var kindName: String {
        switch self {
        case .certificate: "certificate"
        case .privateKey: "private key"
        case .publicKey: "public key"
        case .certificateRequest: "certificate request"
        case .crl: "CRL"
        }
    }
}

/// The objects of one file, in file order, each with the line its PEM block starts on (nil
/// for DER).
public struct CryptoFile: Sendable {
    public struct Item: Sendable {
        public let line: Int?
        public let object: CryptoObject
    }

    public let path: String
    public let items: [Item]

    /// Reads `path` as PEM (any number of blocks) or, failing that, as one DER object.
    public static func read(path: String, passphrase: Passphrase? = nil) throws -> CryptoFile {
        try parse(bytes: try FileContents.read(path), path: path, passphrase: passphrase)
    }

    public static func parse(bytes: [UInt8], path: String, passphrase: Passphrase? = nil) throws -> CryptoFile {
        if PEMParser.looksLikePEM(bytes) {
            let text = String(decoding: bytes, as: UTF8.self)
            let blocks = try PEMParser.blocks(in: text, path: path)
            var items: [Item] = []
            for block in blocks {
                guard let object = try decode(block, path: path, passphrase: passphrase) else { continue }
                items.append(Item(line: block.line, object: object))
            }
            guard !items.isEmpty else {
                throw CertToolsError(.unsupportedObject, "holds no certificate, key, CSR or CRL", path: path)
            }
            return CryptoFile(path: path, items: items)
        }
        guard !bytes.isEmpty else { throw CertToolsError(.invalidEncoding, "the file is empty", path: path) }
        guard let object = decodeDER(bytes) else {
            throw CertToolsError(
                .invalidEncoding,
                "is neither PEM (no -----BEGIN line) nor a DER certificate, key, CSR or CRL",
                path: path
            )
        }
        return CryptoFile(path: path, items: [Item(line: nil, object: object)])
    }

    /// The certificates, in file order.
    public var certificates: [Certificate] {
        items.compactMap { if case .certificate(let c) = $0.object { c } else { nil } }
    }

    public var privateKeys: [PrivateKey] {
        items.compactMap { if case .privateKey(let k) = $0.object { k } else { nil } }
    }

    public var crls: [CertificateRevocationList] {
        items.compactMap { if case .crl(let c) = $0.object { c } else { nil } }
    }

    /// Reads a file that must hold at least one certificate (and nothing but certificates).
    public static func certificates(path: String) throws -> [Certificate] {
        let file = try read(path: path)
        if let other = file.items.first(where: { if case .certificate = $0.object { false } else { true } }) {
            let place = other.line.map { "line \($0): " } ?? ""
            throw CertToolsError(.unsupportedObject, "\(place)expected certificates, found a \(other.object.kindName)", path: path)
        }
        return file.certificates
    }

    /// Reads a file that must hold exactly one private key.
    public static func privateKey(path: String, passphrase: Passphrase? = nil) throws -> PrivateKey {
        let file = try read(path: path, passphrase: passphrase)
        guard file.items.count == 1, let key = file.privateKeys.first else {
            throw CertToolsError(.unsupportedObject, "expected one private key, found \(file.summary)", path: path)
        }
        return key
    }

    /// Reads a file that must hold exactly one CRL.
    public static func crl(path: String) throws -> CertificateRevocationList {
        let file = try read(path: path)
        guard file.items.count == 1, let crl = file.crls.first else {
            throw CertToolsError(.unsupportedObject, "expected one CRL, found \(file.summary)", path: path)
        }
        return crl
    }

    /// "2 certificates and a private key".
    var summary: String {
        let kinds = items.map(\.object.kindName)
        return Set(kinds).sorted().map { kind in
            let count = kinds.filter { $0 == kind }.count
            return count == 1 ? "a \(kind)" : "\(count) \(kind)s"
        }.joined(separator: " and ")
    }

    private static func decode(_ block: PEMBlock, path: String, passphrase: Passphrase?) throws -> CryptoObject? {
        do {
            switch block.label {
            case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
                return .certificate(try Certificate(der: block.der))
            case "X509 CRL":
                return .crl(try CertificateRevocationList(der: block.der))
            case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
                return .certificateRequest(try CertificateSigningRequest(der: block.der))
            case "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
                return .privateKey(try PrivateKey(pem: block, passphrase: passphrase, path: path))
            case "PUBLIC KEY":
                return .publicKey(try PublicKey(der: block.der))
            case "EC PARAMETERS", "DH PARAMETERS":
                return nil
            default:
                throw CertToolsError(.unsupportedObject, "line \(block.line): a \(block.label) block is not supported", path: path)
            }
        } catch let error as CertToolsError where error.path == nil {
            throw CertToolsError(error.code, "line \(block.line): \(error.reason)", path: path)
        }
    }

    private static func decodeDER(_ bytes: [UInt8]) -> CryptoObject? {
        if let certificate = try? Certificate(der: bytes) { return .certificate(certificate) }
        if let crl = try? CertificateRevocationList(der: bytes) { return .crl(crl) }
        if let request = try? CertificateSigningRequest(der: bytes) { return .certificateRequest(request) }
        if let key = try? PrivateKey(der: bytes) { return .privateKey(key) }
        if let key = try? PublicKey(der: bytes) { return .publicKey(key) }
        OpenSSLErrorStack.clear()
        return nil
    }
}

/// Whole-file reads with errors that name the file and the OS reason.
enum FileContents {
    /// Files larger than this are not certificates, keys or CRLs we should load into memory.
    static let maximumSize = 64 << 20

    static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw osError("cannot read", path: path) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw osError("cannot read", path: path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CertToolsError(.fileSystem, "cannot read: not a regular file", path: path)
        }
        guard Int(info.st_size) <= maximumSize else {
            throw CertToolsError(.fileSystem, "cannot read: larger than \(maximumSize >> 20) MiB", path: path)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = Glibc.read(descriptor, &chunk, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw osError("cannot read", path: path)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= maximumSize else {
                throw CertToolsError(.fileSystem, "cannot read: larger than \(maximumSize >> 20) MiB", path: path)
            }
        }
        return bytes
    }

    static func osError(_ what: String, path: String) -> CertToolsError {
        CertToolsError(.fileSystem, "\(what): \(String(cString: strerror(errno)))", path: path)
    }
}
