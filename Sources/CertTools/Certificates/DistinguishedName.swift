internal import COpenSSL
import Foundation

/// An X.509 distinguished name as an ordered list of attributes, most significant first
/// (`C`, `ST`, `L`, `O`, `OU`, `CN`), the order in which they are encoded.
public struct DistinguishedName: Hashable, Sendable, CustomStringConvertible {
    /// One attribute: OpenSSL's short name (`CN`, `O`, `emailAddress`) and its value.
    public struct Attribute: Hashable, Sendable {
        public let type: String
        public let value: String
        public init(_ type: String, _ value: String) {
            self.type = type
            self.value = value
        }
    }

    public let attributes: [Attribute]

    public init(attributes: [Attribute]) { self.attributes = attributes }

    /// A name from the usual fields; empty ones are left out.
    public init(
        commonName: String,
        organization: String? = nil,
        organizationalUnit: String? = nil,
        locality: String? = nil,
        stateOrProvince: String? = nil,
        country: String? = nil
    ) {
        let pairs: [(String, String?)] = [
            ("C", country), ("ST", stateOrProvince), ("L", locality),
            ("O", organization), ("OU", organizationalUnit), ("CN", commonName),
        ]
        attributes = pairs.compactMap { type, value in
            guard let value, !value.isEmpty else { return nil }
            return Attribute(type, value)
        }
    }

    /// The first common name, if any.
    public var commonName: String? { attributes.first { $0.type == "CN" }?.value }

    /// RFC 4514 order and escaping, least significant first: `CN=broker,O=Acme,C=SE`.
    public var description: String {
        attributes.reversed().map { "\($0.type)=\(Self.escape($0.value))" }.joined(separator: ",")
    }

    /// OpenSSL's `/C=SE/O=Acme/CN=broker` form, as `openssl ca` writes it into index.txt.
    public var slashForm: String {
        attributes.map { "/\($0.type)=\($0.value.replacingOccurrences(of: "/", with: "\\/"))" }.joined()
    }

    private static func escape(_ value: String) -> String {
        var out = ""
        for (index, character) in value.enumerated() {
            let special =
                ",+\"\\<>;".contains(character)
                || (index == 0 && (character == "#" || character == " "))
                || (index == value.count - 1 && character == " ")
            if special { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// Reads an `X509_NAME` (borrowed; not freed here).
    init(x509Name name: OpaquePointer) {
        var attributes: [Attribute] = []
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index) else { continue }
            let nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))
            let type = nid == NID_undef ? "UNKNOWN" : String(cString: OBJ_nid2sn(nid))
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry))
            var value = ""
            if length >= 0, let utf8 {
                value = String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
                CRYPTO_free(utf8, #fileID, #line)
            }
            attributes.append(Attribute(type, value))
        }
        self.attributes = attributes
    }

    /// A new `X509_NAME` holding these attributes; the caller frees it.
    func makeX509Name() throws -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw OpenSSLErrorStack.error("cannot allocate a name") }
        for attribute in attributes {
            OpenSSLErrorStack.clear()
            let added = X509_NAME_add_entry_by_txt(name, attribute.type, MBSTRING_UTF8, attribute.value, -1, -1, 0)
            guard added == 1 else {
                X509_NAME_free(name)
                throw OpenSSLErrorStack.error(
                    "the subject field \(attribute.type)=\"\(attribute.value)\" is not valid",
                    code: .invalidArgument
                )
            }
        }
        return name
    }
}
