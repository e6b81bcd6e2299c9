import Authentication
import BrokerCore
import BrokerTLS
import ConfigModel
import MQTTCore
import NIOCore

/// How a listener decides who a CONNECT is: its identity rules (peer_cert_as_*, the PSK
/// identity, use_username_as_clientid) and its authentication chain with `enable_authn`.
struct ListenerAuthentication {
    let service: AuthenticationService
    let mode: AuthenticationMode
    let identity: ClientIdentityRules
    /// Whether a CONNECT needs anything done before the broker sees it.
    let isActive: Bool

    init(service: AuthenticationService, mode: AuthenticationMode, identity: ClientIdentityRules, listenerID: String) {
        self.service = service
        self.mode = mode
        self.identity = identity
        isActive = mode == .quickDenyAnonymous || (mode == .enabled && !service.chain(for: listenerID).isEmpty) || identity.isActive
    }

    /// No chain, no identity rules: the CONNECT goes straight to the broker.
    static let none = ListenerAuthentication(service: .empty, mode: .disabled, identity: ClientIdentityRules(), listenerID: "")
}

/// Where a client's user name and client id come from (§2.6): the certificate a verifying
/// listener accepted (`peer_cert_as_*`), the PSK identity (emqxctl's `psk_identity_as_*`),
/// then `use_username_as_clientid`.
///
/// Beyond EMQX (its Q8): a listener told to take the identity from the certificate refuses a
/// client whose certificate lacks that field (or who sent none), instead of silently falling
/// back to what CONNECT claims, which would let a device choose another's client id.
struct ClientIdentityRules {
    var usernameFromCertificate = PeerCertField.disabled
    var clientIDFromCertificate = PeerCertField.disabled
    var usernameFromPSK = false
    var clientIDFromPSK = false
    var useUsernameAsClientID = false

    init() {}

    /// `verifiesPeer`: the listener asks for and verifies client certificates (or takes them
    /// from a PROXY header); the certificate options apply only there.
    init(_ mqtt: MQTTConfig, verifiesPeer: Bool, psk: Bool) {
        if verifiesPeer {
            usernameFromCertificate = mqtt.peerCertAsUsername
            clientIDFromCertificate = mqtt.peerCertAsClientID
        }
        if psk {
            usernameFromPSK = mqtt.pskIdentityAsUsername
            clientIDFromPSK = mqtt.pskIdentityAsClientID
        }
        useUsernameAsClientID = mqtt.useUsernameAsClientID
    }

    var isActive: Bool {
        usernameFromCertificate != .disabled || clientIDFromCertificate != .disabled || usernameFromPSK || clientIDFromPSK
            || useUsernameAsClientID
    }

    enum Outcome {
        case identified(ConnectPacket, PeerCertificate?)
        case refused(ReasonCode, why: String)
    }

    /// `certificate`: the verified client certificate (from the handshake, or named by a
    /// TLS-terminating proxy); `pskIdentity`: the identity of a PSK handshake.
    func apply(to packet: ConnectPacket, certificate: PeerCertificate?, pskIdentity: [UInt8]?) -> Outcome {
        var packet = packet
        let psk = pskIdentity.map { String(decoding: $0, as: UTF8.self) }
        for (field, isUsername) in [(usernameFromCertificate, true), (clientIDFromCertificate, false)] where field != .disabled {
            let key = isUsername ? "peer_cert_as_username" : "peer_cert_as_clientid"
            guard let certificate else {
                if psk != nil { continue }  // a PSK handshake has no certificate: the PSK options decide
                return .refused(.notAuthorized, why: "\(key) = \(field.rawValue), but the client sent no certificate")
            }
            guard let value = certificate.value(field) else {
                return .refused(.notAuthorized, why: "\(key) = \(field.rawValue), but the client certificate has no \(field.rawValue)")
            }
            if isUsername { packet.username = value } else { packet.clientIdentifier = value }
        }
        if let psk {
            if usernameFromPSK { packet.username = psk }
            if clientIDFromPSK { packet.clientIdentifier = psk }
        }
        if useUsernameAsClientID {
            guard let username = packet.username, !username.isEmpty else {
                return .refused(.clientIdentifierNotValid, why: "use_username_as_clientid is on and the CONNECT has no user name")
            }
            packet.clientIdentifier = username
        }
        return .identified(packet, certificate)
    }
}
