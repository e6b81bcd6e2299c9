import ConfigModel
import MQTTCore
import Testing

@testable import BrokerCore

/// The chain's decision, driven without sockets: EMQX's rules, and server unavailable when
/// a backend could not answer and nothing else accepted the client.
@Suite struct AuthenticationChainTests {
    /// Runs a chain over `answers` (one per authenticator); returns the final step and how
    /// many authenticators were asked.
    static func decide(_ answers: [AuthenticatorAnswer], mode: AuthenticationMode = .enabled, username: String? = "u")
        -> (AuthenticationChain.Step, asked: Int)
    {
        var (chain, step) = AuthenticationChain.start(authenticators: answers.count, mode: mode, username: username)
        var asked = 0
        while case .ask(let index) = step {
            #expect(index == asked, "asked in config order")
            asked += 1
            step = chain.record(answers[index])
        }
        return (step, asked)
    }

    @Test func anEmptyChainAllowsEveryoneAnonymously() {
        let (step, asked) = Self.decide([], username: nil)
        #expect(step == .allowed(isSuperuser: false, anonymous: true) && asked == 0)
    }

    @Test func theFirstAllowOrDenyDecidesAndTheRestAreNotAsked() {
        let allowed = Self.decide([.ignore, .allow(isSuperuser: true), .deny(.notAuthorized)])
        #expect(allowed.0 == .allowed(isSuperuser: true, anonymous: false) && allowed.asked == 2)
        let denied = Self.decide([.deny(.badUserNameOrPassword), .allow(isSuperuser: false)])
        #expect(denied.asked == 1)
        guard case .refused(.badUserNameOrPassword, _) = denied.0 else {
            Issue.record("\(denied)")
            return
        }
    }

    /// EMQX rejects a client every authenticator ignored (its docs say otherwise: quirk Q1).
    @Test func everyAuthenticatorIgnoringIsNotAuthorized() {
        let (step, asked) = Self.decide([.ignore, .ignore])
        #expect(asked == 2)
        guard case .refused(.notAuthorized, let why) = step else {
            Issue.record("\(step)")
            return
        }
        #expect(why == "every authenticator ignored the client (2 asked)")
    }

    /// An unreachable backend falls through, as in EMQX; if nothing accepts the client after
    /// it, the answer is server unavailable, naming the backend.
    @Test func anUnreachableBackendFallsThroughAndThenSaysServerUnavailable() {
        let rescued = Self.decide([.unavailable(reason: "https://auth.local/: timed out after 5s"), .allow(isSuperuser: false)])
        #expect(rescued.0 == .allowed(isSuperuser: false, anonymous: false) && rescued.asked == 2)

        let (step, _) = Self.decide([.unavailable(reason: "https://auth.local/: connection refused"), .ignore])
        guard case .refused(let failure, let why) = step else {
            Issue.record("\(step)")
            return
        }
        #expect(failure == .serverUnavailable && why.contains("authenticator 1: https://auth.local/: connection refused"), "\(why)")
        #expect(failure.reasonCode == .serverUnavailable && failure.reasonCode.connectReturnCodeV3 == 3)

        // A deny after an unreachable backend is still a deny.
        let denied = Self.decide([.unavailable(reason: "down"), .deny(.badUserNameOrPassword)])
        guard case .refused(.badUserNameOrPassword, _) = denied.0 else {
            Issue.record("\(denied)")
            return
        }
    }

    @Test func enableAuthnFalseSkipsTheChainAndQuickDenyRefusesNoUserName() {
        #expect(Self.decide([.deny(.notAuthorized)], mode: .disabled) == (.allowed(isSuperuser: false, anonymous: true), 0))
        for username in [nil, ""] as [String?] {
            let (step, asked) = Self.decide([.allow(isSuperuser: false)], mode: .quickDenyAnonymous, username: username)
            guard case .refused(.notAuthorized, _) = step, asked == 0 else {
                Issue.record("\(step)")
                continue
            }
        }
        #expect(
            Self.decide([.allow(isSuperuser: false)], mode: .quickDenyAnonymous, username: "dev").0
                == .allowed(isSuperuser: false, anonymous: false))
    }

    /// EMQX's connack_error table, in both versions (its "anything else is 3.1.1's 1" is not copied).
    @Test(arguments: [
        (AuthenticationFailure.badUserNameOrPassword, UInt8(0x86), UInt8(4)),
        (.notAuthorized, 0x87, 5),
        (.badAuthenticationMethod, 0x8C, 5),
        (.serverUnavailable, 0x88, 3),
    ])
    func connackCodes(_ failure: AuthenticationFailure, _ v5: UInt8, _ v3: UInt8) {
        #expect(failure.reasonCode.rawValue == v5 && failure.reasonCode.connectReturnCodeV3 == v3)
    }
}
