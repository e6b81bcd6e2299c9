package import Foundation

/// What `emqxctl status`, `GET /api/v5/status` and the status page show: listeners, every
/// certificate of every chain, OCSP staples, CRL sources, the policy in force and the PSK
/// count, with the problems found in them. Built from a running server
/// (`StatusReport(snapshot:)`) or from the files a config names (`StatusReport(files:)`);
/// JSON in snake_case with ISO 8601 dates (`StatusReport.encoder`).
package struct StatusReport: Codable, Sendable, Equatable {
    package enum Source: String, Codable, Sendable {
        /// A running `serve`, through its admin endpoint.
        case live
        /// The files a config names, with no broker asked.
        case files
    }

    package var source: Source
    package var generatedAt: Date
    /// When the running server started (live only).
    package var startedAt: Date?
    package var listeners: [ListenerStatus] = []
    package var certificates: [CertificateStatus] = []
    package var ocsp: [StapleStatus] = []
    package var crls: [CRLStatus] = []
    package var policy = PolicyStatus()
    package var psk: PSKStatus?
    /// Live only: message and session counts since start.
    package var traffic: TrafficStatus?
    /// What `evaluate` found, worst first; `health` is the worst severity among them.
    package var problems: [Problem] = []
    package var health = Health.ok

    package init(source: Source, generatedAt: Date) {
        self.source = source
        self.generatedAt = generatedAt
    }

    package enum Health: String, Codable, Sendable, Comparable {
        case ok
        case warning
        case error

        /// `emqxctl status`'s exit code: 0, 1 or 2 (as Nagios reads them).
        package var exitCode: Int32 {
            switch self {
            case .ok: 0
            case .warning: 1
            case .error: 2
            }
        }

        package static func < (lhs: Health, rhs: Health) -> Bool { lhs.exitCode < rhs.exitCode }
    }

    package struct Problem: Codable, Sendable, Equatable {
        package var severity: Health
        /// What it is about: a listener id, a file, a CRL source.
        package var subject: String
        package var message: String

        package init(severity: Health, subject: String, message: String) {
            self.severity = severity
            self.subject = subject
            self.message = message
        }
    }

    package struct ListenerStatus: Codable, Sendable, Equatable {
        package var id: String
        package var bind: String
        /// Live only.
        package var connections: Int?
        package var handshakes: Int?
        package var handshakeFailures: Int?
        package var tls: TLSPolicy?
    }

    /// An ssl listener's TLS settings in force.
    package struct TLSPolicy: Codable, Sendable, Equatable {
        package var versions: [String]
        package var verify: String
        package var failIfNoPeerCert: Bool
        package var ocspStapling: Bool
        package var crlCheck: Bool
        /// `fail_open` or `fail_closed`: what a client gets when no CRL can be had.
        package var crlUnavailable: String?
        package var psk: Bool
    }

    package struct CertificateStatus: Codable, Sendable, Equatable {
        package enum Role: String, Codable, Sendable {
            /// certfile's first certificate: the one the listener presents.
            case leaf
            /// certfile's others, sent with it.
            case intermediate
            /// cacertfile's: what client certificates are verified against.
            case authority
        }

        package var listener: String
        package var role: Role
        /// certfile or cacertfile, as the config names it.
        package var file: String
        /// Its place in the file, from 0.
        package var position: Int
        package var subject: String
        package var issuer: String
        package var serial: String
        package var notBefore: Date
        package var notAfter: Date
        /// Whole days until notAfter, negative once expired.
        package var daysLeft: Int
    }

    package struct StapleStatus: Codable, Sendable, Equatable {
        package enum State: String, Codable, Sendable {
            case good
            case revoked
            /// No response is stapled (none fetched yet, or the last one expired).
            case none
            /// From files only: a running server would know.
            case unknown
        }

        package var listener: String
        package var state: State
        package var thisUpdate: Date?
        package var nextUpdate: Date?
        package var fetchedAt: Date?
        /// Seconds since thisUpdate.
        package var ageSeconds: Int?
        package var lastError: String?
    }

    package struct CRLStatus: Codable, Sendable, Equatable {
        package var listener: String
        /// crlfile's path or a distribution point's URL.
        package var source: String
        /// nil when the source holds no usable CRL (see lastError).
        package var issuer: String?
        package var thisUpdate: Date?
        package var nextUpdate: Date?
        package var revoked: Int?
        package var lastError: String?
        /// The listener's crl_unavailable: what a stale or missing CRL means for clients.
        package var policy: String
    }

    package struct PolicyStatus: Codable, Sendable, Equatable {
        /// The global chain's authenticator ids, enabled ones.
        package var authentication: [String] = []
        /// Authorization sources in order: `file:PATH` or `built_in_database`.
        package var authorizationSources: [String] = []
        package var noMatch = "allow"
        package var denyAction = "ignore"
    }

    package struct PSKStatus: Codable, Sendable, Equatable {
        package var enabled: Bool
        /// nil when the store could not be read.
        package var identities: Int?
    }

    package struct TrafficStatus: Codable, Sendable, Equatable {
        package var connectedClients: Int
        package var sessions: Int
        package var messagesReceived: Int
        package var messagesDelivered: Int
        package var messagesDropped: Int
    }

    /// snake_case keys, ISO 8601 dates, keys sorted (stable output for diffs and tests).
    package static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    package static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
