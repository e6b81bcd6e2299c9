/// The listener kinds of EMQX 5 (`listeners.<type>.<name>`).
public enum ListenerType: String, Sendable, CaseIterable, Comparable {
    case tcp, ssl, ws, wss, quic

    /// The port of the implicit `default` listener (quic has none).
    var defaultPort: UInt16? {
        switch self {
        case .tcp: 1883
        case .ssl: 8883
        case .ws: 8083
        case .wss: 8084
        case .quic: nil
        }
    }

    /// Whether `emqxctl serve` runs this kind (quic is checked but not served).
    public var isServed: Bool { self != .quic }

    /// Whether the `default` listener EMQX adds when the config names none is served: tcp and
    /// ssl, as in EMQX. ws and wss are served only when written, so that a config that never
    /// mentions them does not open 8083 and 8084 on every interface (EMQX does).
    var servesImplicitDefault: Bool { self == .tcp || self == .ssl }

    /// Whether it carries `ssl_options`.
    public var usesTLS: Bool { self == .ssl || self == .wss || self == .quic }

    public static func < (lhs: ListenerType, rhs: ListenerType) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
