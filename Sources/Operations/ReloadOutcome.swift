/// What a reload did, as `POST /api/v5/reload` answers it and `emqxctl reload` prints it.
package struct ReloadOutcome: Codable, Sendable, Equatable {
    package enum Result: String, Codable, Sendable {
        /// The new config is in force for new connections.
        case applied
        /// It had errors (or could not be applied): nothing changed.
        case refused
    }

    package var result: Result
    /// What now applies, by listener and part.
    package var applied: [String] = []
    /// What changed but waits for a restart.
    package var needsRestart: [String] = []
    /// Why it was refused: located diagnostics, one line each.
    package var errors: [String] = []
    /// Connected clients the new trust settings (CAs, CRLs, verify) would refuse.
    package var untrustedClients: [UntrustedClient] = []
    /// Whether those clients were closed (`enforce`); otherwise they stay until they leave.
    package var enforced = false
    /// How long the reload took, config read to swap (applied ones).
    package var milliseconds: Int?

    package struct UntrustedClient: Codable, Sendable, Equatable {
        package var listener: String
        package var clientId: String
        package var subject: String
        package var why: String

        package init(listener: String, clientId: String, subject: String, why: String) {
            self.listener = listener
            self.clientId = clientId
            self.subject = subject
            self.why = why
        }
    }

    package init(result: Result, applied: [String] = [], needsRestart: [String] = [], errors: [String] = []) {
        self.result = result
        self.applied = applied
        self.needsRestart = needsRestart
        self.errors = errors
    }
}
