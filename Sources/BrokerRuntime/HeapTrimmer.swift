#if canImport(Glibc)
    import Glibc
#endif

/// Gives memory back to the system after bursts of TLS handshakes.
///
/// A handshake holds about 50 kB of OpenSSL buffers for a moment (the handshake message
/// buffer and the 16 kB record buffers); an idle connection keeps less than half of that.
/// glibc keeps what a burst freed, scattered between the connections' long-lived
/// allocations, so a broker that took 5,000 connections at once would keep that peak
/// resident for good. `malloc_trim` hands the free pages back. It walks the heap, so it runs
/// once a burst has settled (no handshake since the last check) and at least `burst`
/// handshakes came since the last trim, or after `steady` handshakes under a constant stream.
final class HeapTrimmer {
    let burst: Int
    let steady: Int
    private var handshakesAtLastCheck = 0
    private var handshakesAtLastTrim = 0

    init(burst: Int = 256, steady: Int = 8192) {
        self.burst = burst
        self.steady = steady
    }

    /// Called periodically with the running total of handshakes over all listeners; true
    /// when it trimmed.
    func check(handshakes: Int) -> Bool {
        defer { handshakesAtLastCheck = handshakes }
        let settled = handshakes == handshakesAtLastCheck
        let since = handshakes - handshakesAtLastTrim
        guard (settled && since >= burst) || since >= steady else { return false }
        handshakesAtLastTrim = handshakes
        _ = mallocTrim?(0)
        return true
    }
}

/// glibc's `malloc_trim`, which Swift's Glibc module does not declare; looked up once
/// (RTLD_DEFAULT is the null handle). nil on other C libraries.
private let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    #if canImport(Glibc)
        dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self) }
    #else
        nil
    #endif
}()
