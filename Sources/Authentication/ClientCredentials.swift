import CertTools
package import ConfigModel
import Foundation

/// What a CONNECT presents to the authentication chain (EMQX's ClientInfo plus the password):
/// the values of the placeholders an HTTP backend fills, and the identity the TLS handshake
/// proved.
package struct ClientCredentials: Sendable {
    package var clientID: String
    package var username: String?
    package var password: [UInt8]?
    package var peerHost: String
    package var peerPort: Int
    /// `ssl:default`.
    package var listener: String
    package var certificate: PeerCertificate?
    /// A 5.0 CONNECT with an Authentication Method: password-based authenticators ignore it.
    package var hasAuthenticationMethod = false

    package init(clientID: String, username: String?, password: [UInt8]?, peerHost: String, peerPort: Int, listener: String) {
        self.clientID = clientID
        self.username = username
        self.password = password
        self.peerHost = peerHost
        self.peerPort = peerPort
        self.listener = listener
    }

    /// A placeholder's value, as EMQX renders it: "" for what is absent.
    package func value(of placeholder: String) -> String {
        switch placeholder {
        case "username": username ?? ""
        case "clientid": clientID
        case "password": password.map { String(decoding: $0, as: UTF8.self) } ?? ""
        case "peerhost": peerHost
        case "peerport": String(peerPort)
        case "listener": listener
        case "zone": "default"
        case "cert_subject": certificate?.subject ?? ""
        case "cert_common_name": certificate?.commonName ?? ""
        case "cert_pem": certificate.map { $0.der.isEmpty ? "" : $0.base64DER } ?? ""
        default: ""  // client_attrs.NAME: serve sets no client attributes
        }
    }
}

/// The client certificate a verifying listener accepted, in EMQX's formats (§2.6).
package struct PeerCertificate: Sendable {
    package let der: [UInt8]
    /// Every CN of the subject, joined with ","; nil without one.
    package let commonName: String?
    /// RFC 4514, most specific first, EMQX's names and escaping: `CN=client1,O=EMQX,C=SE`.
    package let subject: String

    /// A certificate a TLS-terminating proxy verified and named by its CN alone (PROXY v2's
    /// SSL TLV): `cn` and `dn` are that CN, as in EMQX; `crt`, `pem` and `md5` have nothing.
    package init(proxiedCommonName: String) {
        der = []
        commonName = proxiedCommonName
        subject = proxiedCommonName
    }

    package init?(der: [UInt8]) {
        guard let certificate = try? Certificate(der: der) else { return nil }
        self.der = der
        let names = certificate.subject.attributes.filter { $0.type == "CN" }.map(\.value)
        commonName = names.isEmpty ? nil : names.joined(separator: ",")
        subject = certificate.subject.attributes.reversed().map { "\(Self.emqxName($0.type))=\(Self.escape($0.value))" }
            .joined(separator: ",")
    }

    package var base64DER: String { Data(der).base64EncodedString() }

    /// The value `peer_cert_as_username` / `_clientid` take; nil when the certificate has no
    /// such field (then the CONNECT is refused: EMQX's silent fallback is its Q8).
    package func value(_ field: PeerCertField) -> String? {
        switch field {
        case .disabled: nil
        case .cn: commonName
        case .dn: subject
        case .crt: der.isEmpty ? nil : String(decoding: der, as: UTF8.self)
        case .pem: der.isEmpty ? nil : base64DER
        case .md5: der.isEmpty ? nil : PasswordHash.simple(.md5, .disable).hash(der, salt: [])
        }
    }

    /// EMQX's (esockd's) attribute names; OpenSSL's short names otherwise.
    private static func emqxName(_ openSSLName: String) -> String {
        switch openSSLName {
        case "emailAddress": "EMAILADDRESS"
        case "GN": "GIVENNAME"
        case "street": "STREET"
        case "serialNumber": "SERIALNUMBER"
        case "title": "TITLE"
        case "pseudonym": "PSEUDONYM"
        case "generationQualifier": "GENERATIONQUALIFIER"
        case "initials": "INITIALS"
        case "UID": "UID"
        default: openSSLName.uppercased()
        }
    }

    /// esockd's escaping: a leading space or `#` and a trailing space get a backslash, as do
    /// `" + , ; < > \`; every byte below 32 or from 126 up is `\XX`.
    static func escape(_ value: String) -> String {
        let bytes = Array(value.utf8)
        var out = ""
        for (index, byte) in bytes.enumerated() {
            if byte < 32 || byte >= 126 {
                out += "\\" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
                continue
            }
            let character = Character(Unicode.Scalar(byte))
            if "\"+,;<>\\".contains(character) || (index == 0 && (byte == 0x20 || byte == 0x23))
                || (index == bytes.count - 1 && byte == 0x20)
            {
                out += "\\"
            }
            out.append(character)
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
