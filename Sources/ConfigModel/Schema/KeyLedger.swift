/// Every key the decoder looked for in one load, and whether `serve` applies it: read by an
/// accessor (applied), or declared as not applied with the severity of the diagnostic that
/// says so. A test walks it to make sure no key is accepted without being either enforced or
/// reported (AppliedKeysTests).
final class KeyLedger: @unchecked Sendable {
    enum Status: Hashable, Sendable {
        case applied
        case notApplied(Diagnostic.Severity)
    }

    /// Key path (`listeners.ssl.default.ssl_options.verify`) → status.
    private(set) var entries: [String: Status] = [:]

    func record(_ path: String, _ status: Status) {
        entries[path] = status
    }
}
