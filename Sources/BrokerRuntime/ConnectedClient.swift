import BrokerCore

/// A connection whose CONNECT was accepted, as a reload's trust review sees it.
struct ConnectedClient {
    let connection: ConnectionID
    let listenerID: String
    let clientID: String
    /// The verified client certificate, when the handshake had one.
    let certificateDER: [UInt8]?
    /// Whether the handshake was a PSK one (no certificate to ask for).
    let usedPSK: Bool
}
