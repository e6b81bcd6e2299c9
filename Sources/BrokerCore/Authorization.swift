package import MQTTCore

/// What a client asks to do with a topic, for the authorization seam.
package struct AuthorizationRequest: Sendable {
    package enum Action: Sendable, Hashable {
        case publish(QoS, retain: Bool)
        case subscribe(QoS)
    }

    package let clientID: String
    package let username: String?
    package let action: Action
    /// The topic name of a PUBLISH, or the filter of a SUBSCRIBE (without `$share/group/`).
    package let topic: String
}

/// Decides what a connected client may publish and subscribe to. Asked synchronously on the
/// broker's event loop for every PUBLISH and every SUBSCRIBE filter, so it answers from memory
/// (acl.conf and the built-in database load into such a snapshot; a backend that must be
/// asked over the network sits behind a cache that answers here). nil in the core allows all.
package protocol Authorizer: Sendable {
    func authorize(_ request: AuthorizationRequest) -> Bool
}
