/// The `mqtt { }` root: broker behaviour, with EMQX 5.8's names and defaults, enforced by
/// `serve` and advertised in CONNACK.
public struct MQTTConfig: Sendable, Hashable {
    /// How long a new connection may take to send CONNECT. Default 15s.
    public var idleTimeout = ConfigDuration.seconds(15)
    /// Default 1MB.
    public var maxPacketSize = 1 << 20
    /// 23 to 65535; default 65535.
    public var maxClientIDLength = 65535
    /// 1 to 65535; default 128.
    public var maxTopicLevels = 128
    /// 0 to 2; default 2.
    public var maxQoSAllowed = 2
    /// 0 to 65535; default 65535.
    public var maxTopicAlias = 65535
    public var retainAvailable = true
    public var wildcardSubscription = true
    public var sharedSubscription = true
    /// nil: the client's keep-alive is kept (EMQX's `disabled`).
    public var serverKeepAlive: Int?
    /// The connection is closed after keep-alive × this with no packet. Default 1.5.
    public var keepaliveMultiplier = 1.5
    /// Inflight QoS 1/2 messages per client, advertised as Receive Maximum. Default 32.
    public var maxInflight = 32
    /// When unacknowledged QoS 1/2 messages are sent again. Default 30s.
    public var retryInterval = ConfigDuration.seconds(30)
    /// QoS 2 messages awaiting PUBREL per client. Default 100; 0 means no limit.
    public var maxAwaitingRel = 100
    /// How long a QoS 2 message may wait for PUBREL. Default 300s.
    public var awaitRelTimeout = ConfigDuration.seconds(300)
    /// For 3.1.1 clients with clean session false, and the ceiling for 5.0's. Default 2h.
    public var sessionExpiryInterval = ConfigDuration.seconds(7200)
    /// Messages queued for an offline or saturated session. Default 1000; 0 means no limit.
    public var maxMqueueLength = 1000
    public var mqueueStoreQoS0 = true
    /// Deliver with the larger of the publish and subscription QoS. Default false.
    public var upgradeQoS = false
    /// Do not send a client's own publications back to it. Default false.
    public var ignoreLoopDeliver = false
    /// Check UTF-8 in payloads with Payload Format Indicator 1 and topic contents strictly.
    public var strictMode = false
    /// Where a client's user name and client id come from on listeners that verify the peer's
    /// certificate, instead of CONNECT (EMQX's `peer_cert_as_*`).
    public var peerCertAsUsername = PeerCertField.disabled
    public var peerCertAsClientID = PeerCertField.disabled
    /// emqxctl's: on PSK handshakes, the PSK identity as the user name or client id.
    public var pskIdentityAsUsername = false
    public var pskIdentityAsClientID = false
    /// The user name (after peer_cert_as_username) becomes the client id.
    public var useUsernameAsClientID = false

    public init() {}

    init(_ reader: inout ObjectReader) {
        idleTimeout = reader.duration("idle_timeout", default: idleTimeout)
        maxPacketSize = reader.byteSize("max_packet_size", default: maxPacketSize) ?? maxPacketSize
        if maxPacketSize < 1 || maxPacketSize > 268_435_456 {
            reader.sink.report(
                .outOfRange, .error, reader.keyLocation("max_packet_size"), reader.path("max_packet_size"),
                "max_packet_size must be between 1 byte and 256MB")
            maxPacketSize = 1 << 20
        }
        maxClientIDLength = reader.integer("max_clientid_len", default: maxClientIDLength, range: 23...65535)
        maxTopicLevels = reader.integer("max_topic_levels", default: maxTopicLevels, range: 1...65535)
        maxQoSAllowed = reader.integer("max_qos_allowed", default: maxQoSAllowed, range: 0...2)
        maxTopicAlias = reader.integer("max_topic_alias", default: maxTopicAlias, range: 0...65535)
        retainAvailable = reader.bool("retain_available", default: true)
        wildcardSubscription = reader.bool("wildcard_subscription", default: true)
        sharedSubscription = reader.bool("shared_subscription", default: true)
        if let value = reader.value("server_keepalive") {
            if value.scalarText == "disabled" {
                serverKeepAlive = nil
            } else if let text = value.scalarText, let seconds = Int(text), (1...65535).contains(seconds) {
                serverKeepAlive = seconds
            } else {
                reader.invalid("server_keepalive", value, "expected disabled or a number of seconds from 1 to 65535")
            }
        }
        if let value = reader.value("keepalive_multiplier") {
            if let text = value.scalarText, let multiplier = Double(text), multiplier >= 1 {
                keepaliveMultiplier = multiplier
            } else {
                reader.invalid("keepalive_multiplier", value, "expected a number of at least 1")
            }
        }
        maxInflight = reader.integer("max_inflight", default: maxInflight, range: 1...65535)
        retryInterval = reader.duration("retry_interval", default: retryInterval)
        maxAwaitingRel = Self.countOrInfinity(&reader, "max_awaiting_rel", default: maxAwaitingRel)
        awaitRelTimeout = reader.duration("await_rel_timeout", default: awaitRelTimeout)
        sessionExpiryInterval = reader.duration("session_expiry_interval", default: sessionExpiryInterval)
        maxMqueueLength = Self.countOrInfinity(&reader, "max_mqueue_len", default: maxMqueueLength)
        mqueueStoreQoS0 = reader.bool("mqueue_store_qos0", default: true)
        upgradeQoS = reader.bool("upgrade_qos", default: false)
        ignoreLoopDeliver = reader.bool("ignore_loop_deliver", default: false)
        strictMode = reader.bool("strict_mode", default: false)
        peerCertAsUsername = reader.choice("peer_cert_as_username", default: .disabled)
        peerCertAsClientID = reader.choice("peer_cert_as_clientid", default: .disabled)
        pskIdentityAsUsername = reader.bool("psk_identity_as_username", default: false)
        pskIdentityAsClientID = reader.bool("psk_identity_as_clientid", default: false)
        useUsernameAsClientID = reader.bool("use_username_as_clientid", default: false)
        reader.notApplied(
            ["clientid_override"], .warning,
            why: "serve has no variform expressions; the client id comes from CONNECT or peer_cert_as_clientid")
        reader.notApplied(
            ["max_subscriptions"], .warning, why: "serve puts no limit on a client's subscriptions yet")
        reader.notApplied(
            ["exclusive_subscription"], .warning, why: "serve has no $exclusive/ subscriptions: such a filter is an ordinary topic")
        reader.notApplied(
            [
                "shared_subscription_strategy", "shared_subscription_initial_sticky_pick", "response_information", "mqueue_priorities",
                "mqueue_default_priority", "message_expiry_interval", "keepalive_check_interval", "client_attrs_init",
            ],
            why: "not implemented by emqxctl serve (shared subscriptions are round robin; messages expire only as they ask)"
        )
        reader.finish()
    }

    /// A count where `infinity` (or 0) means no limit, returned as 0.
    private static func countOrInfinity(_ reader: inout ObjectReader, _ key: String, default fallback: Int) -> Int {
        guard let value = reader.value(key) else { return fallback }
        if value.scalarText == "infinity" { return 0 }
        guard let text = value.scalarText, let count = Int(text), count >= 0 else {
            reader.invalid(key, value, "expected a number of 0 or more, or infinity")
            return fallback
        }
        return count
    }
}

/// What `peer_cert_as_username` / `peer_cert_as_clientid` take from the client's certificate.
public enum PeerCertField: String, Sendable, CaseIterable {
    case disabled
    /// The subject's CN (several joined with ",").
    case cn
    /// The subject in RFC 4514 form, most specific first: `CN=client1,O=EMQX,C=SE`.
    case dn
    /// The DER bytes.
    case crt
    /// base64 of the DER, one line, no armour (EMQX's `pem`).
    case pem
    /// The lowercase hex MD5 of the DER.
    case md5
}
