package import ConfigModel
package import MQTTCore

/// One authenticator's answer to a CONNECT (EMQX's `client.authenticate` results).
package enum AuthenticatorAnswer: Sendable, Equatable {
    /// The credentials are good; `isSuperuser` is carried to authorization. With `expiresAt`
    /// (Unix seconds, an HTTP backend's `expire_at`), the connection ends then.
    case allow(isSuperuser: Bool, expiresAt: Int64? = nil)
    /// The credentials are refused: the chain stops here.
    case deny(AuthenticationFailure)
    /// Not this authenticator's client (no such user, `result: ignore`): ask the next.
    case ignore
    /// The backend could not answer (timeout, refused, a 5xx). Counts as `ignore`, as in
    /// EMQX, so the chain falls through; remembered for the chain's final answer.
    case unavailable(reason: String)
}

/// Why a CONNECT is refused, with its CONNACK code in each protocol version (EMQX's
/// `connack_error`).
package enum AuthenticationFailure: Sendable, Equatable {
    case badUserNameOrPassword
    case notAuthorized
    case badAuthenticationMethod
    case serverUnavailable

    /// The MQTT 5.0 reason code; `connectReturnCodeV3` gives 3.1.1's.
    package var reasonCode: ReasonCode {
        switch self {
        case .badUserNameOrPassword: .badUserNameOrPassword
        case .notAuthorized: .notAuthorized
        case .badAuthenticationMethod: .badAuthenticationMethod
        case .serverUnavailable: .serverUnavailable
        }
    }
}

/// The decision over one CONNECT's authentication chain, as a state machine the connection
/// drives: it asks authenticator 0, 1, … in config order and feeds back each answer, without
/// blocking while a backend answers. EMQX's semantics (`emqx_access_control:authenticate`,
/// `emqx_authn_chains:do_authenticate`):
/// - no enabled authenticator: everyone is allowed, anonymous;
/// - the first allow or deny decides;
/// - every authenticator ignored: refused, not authorized.
/// Beyond EMQX: when every authenticator ignored and at least one could not be reached, the
/// answer is "server unavailable" (0x88, 3.1.1's 3), so that devices retry instead of taking
/// their credentials for wrong.
package struct AuthenticationChain: Sendable {
    package enum Step: Sendable, Equatable {
        /// Ask the authenticator at this index, then call `record`.
        case ask(Int)
        case allowed(isSuperuser: Bool, anonymous: Bool, expiresAt: Int64? = nil)
        /// `why` is one line for the log.
        case refused(AuthenticationFailure, why: String)
    }

    private let count: Int
    private var next = 0
    private var unreachable: [String] = []

    /// Starts a decision over `count` enabled authenticators; returns the first step.
    package static func start(authenticators count: Int, mode: AuthenticationMode, username: String?) -> (Self, Step) {
        let chain = Self(count: count)
        switch mode {
        case .disabled:
            return (chain, .allowed(isSuperuser: false, anonymous: true))
        case .quickDenyAnonymous where (username ?? "").isEmpty:
            return (chain, .refused(.notAuthorized, why: "enable_authn = quick_deny_anonymous and the CONNECT has no user name"))
        case .enabled, .quickDenyAnonymous:
            return (chain, count == 0 ? .allowed(isSuperuser: false, anonymous: true) : .ask(0))
        }
    }

    private init(count: Int) { self.count = count }

    /// Records the answer of the authenticator last asked; returns the next step.
    package mutating func record(_ answer: AuthenticatorAnswer) -> Step {
        precondition(next < count, "record called after the chain decided")
        next += 1
        switch answer {
        case .allow(let isSuperuser, let expiresAt):
            return .allowed(isSuperuser: isSuperuser, anonymous: false, expiresAt: expiresAt)
        case .deny(let failure):
            return .refused(failure, why: "authenticator \(next) of \(count) refused the credentials")
        case .unavailable(let reason):
            unreachable.append("authenticator \(next): \(reason)")
        case .ignore:
            break
        }
        if next < count { return .ask(next) }
        if unreachable.isEmpty {
            return .refused(.notAuthorized, why: "every authenticator ignored the client (\(count) asked)")
        }
        return .refused(
            .serverUnavailable,
            why: "no authenticator accepted the client and \(unreachable.count) could not answer (\(unreachable.joined(separator: "; ")))")
    }
}
