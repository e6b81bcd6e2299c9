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

    /// Whether `emqxctl serve` runs this kind (ws, wss and quic are checked but not served).
    public var isServed: Bool { self == .tcp || self == .ssl }

    /// Whether it carries `ssl_options`.
    public var usesTLS: Bool { self == .ssl || self == .wss || self == .quic }

    public static func < (lhs: ListenerType, rhs: ListenerType) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
