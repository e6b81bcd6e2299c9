#if canImport(Glibc)
    import Glibc
#endif

/// Gives memory back to the system after bursts: of TLS handshakes, of connections, of
/// messages (a flood queued for a subscriber that stopped reading, say).
///
/// A handshake holds about 50 kB of OpenSSL buffers for a moment (the handshake message
/// buffer and the 16 kB record buffers); an idle connection keeps less than half of that; a
/// stalled subscriber's queue and unsent bytes go when it does. glibc keeps what a burst
/// freed, scattered between the long-lived allocations, so a broker would keep its peak
/// resident for good. `malloc_trim` hands the free pages back. It walks the heap, so it runs
/// once a burst has settled (no activity since the last check) and at least `burst` units of
/// activity came since the last trim, or after `steady` under a constant stream. A burst that
/// only paused at a trim (activity again within `tail` checks) is trimmed once more when it
/// settles, however little came after: its tail (a stalled subscriber's queue freed at close)
/// can be most of what it held. The caller counts activity: handshakes, connections opened
/// and closed, and messages by the hundred.
final class HeapTrimmer {
    let burst: Int
    let steady: Int
    let tail: Int
    private var activityAtLastCheck = 0
    private var activityAtLastTrim = 0
    private var checksSinceTrim = Int.max
    private var resumedAfterTrim = false

    /// `tail` is 10 checks (20 s): on a loaded machine the clients of a burst can leave many
    /// seconds after it paused (a clean-clone CI run saw 16 MB kept when three checks, 6 s,
    /// were allowed).
    init(burst: Int = 256, steady: Int = 8192, tail: Int = 10) {
        self.burst = burst
        self.steady = steady
        self.tail = tail
    }

    /// Called periodically with the running total of activity; true when it trimmed.
    func check(activity: Int) -> Bool {
        defer { activityAtLastCheck = activity }
        let settled = activity == activityAtLastCheck
        checksSinceTrim = checksSinceTrim == .max ? .max : checksSinceTrim + 1
        if !settled && checksSinceTrim <= tail { resumedAfterTrim = true }
        let since = activity - activityAtLastTrim
        guard (settled && (since >= burst || (resumedAfterTrim && since > 0))) || since >= steady else { return false }
        activityAtLastTrim = activity
        checksSinceTrim = 0
        resumedAfterTrim = false
        _ = mallocTrim?(0)
        return true
    }
}

extension HeapTrimmer {
    /// With several event loops each thread allocates from a heap of its own, and
    /// `malloc_trim` gives back only free pages inside those heaps, not the free top of each
    /// (only the main heap's); glibc shrinks a thread's heap top as it frees, but only past a
    /// threshold it raises to as much as 32 MB once a large block was freed. Fixing the
    /// threshold at 128 kB (glibc's default, which fixing it also keeps from moving) has every
    /// thread give its heap top back as it frees. Called as a server makes its loops (again
    /// for a second server, which changes nothing).
    static func fixTrimThreshold() {
        _ = mallocOption?(-1, 128 << 10)  // M_TRIM_THRESHOLD
    }
}

/// glibc's `mallopt`, looked up as `malloc_trim` is.
private let mallocOption: (@convention(c) (Int32, Int32) -> Int32)? = {
    #if canImport(Glibc)
        dlsym(nil, "mallopt").map { unsafeBitCast($0, to: (@convention(c) (Int32, Int32) -> Int32).self) }
    #else
        nil
    #endif
}()

/// glibc's `malloc_trim`, which Swift's Glibc module does not declare; looked up once
/// (RTLD_DEFAULT is the null handle). nil on other C libraries.
private let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    #if canImport(Glibc)
        dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self) }
    #else
        nil
    #endif
}()
