import Testing

@testable import BrokerRuntime

struct HeapTrimmerTests {
    @Test func trimsOnceABurstHasSettled() {
        let trimmer = HeapTrimmer(burst: 100, steady: 1_000)
        #expect(!trimmer.check(activity: 60))  // a burst under way
        #expect(!trimmer.check(activity: 150))  // still under way
        #expect(trimmer.check(activity: 150))  // settled, 150 since the last trim
        #expect(!trimmer.check(activity: 150))  // nothing new since
    }

    @Test func aSmallSettledBurstIsNotWorthATrim() {
        let trimmer = HeapTrimmer(burst: 100, steady: 1_000)
        #expect(!trimmer.check(activity: 40))
        #expect(!trimmer.check(activity: 40))
        #expect(!trimmer.check(activity: 90))
        #expect(!trimmer.check(activity: 90))  // 90 in all: below the burst size
        #expect(!trimmer.check(activity: 120))
        #expect(trimmer.check(activity: 120))  // settled at 120
    }

    /// A burst that paused at a check is trimmed then; when it goes on and settles again, its
    /// tail is trimmed too, small as it is (the clients that held the most left last).
    @Test func theTailOfABurstThatPausedIsTrimmedToo() {
        let trimmer = HeapTrimmer(burst: 100, steady: 1_000, tail: 3)
        #expect(!trimmer.check(activity: 300))
        #expect(trimmer.check(activity: 300))  // a pause: settled, 300 since
        #expect(!trimmer.check(activity: 302))  // two clients closed
        #expect(trimmer.check(activity: 302))  // settled again: 2 since, but the burst's tail
        #expect(!trimmer.check(activity: 302))
        #expect(!trimmer.check(activity: 302))
        #expect(!trimmer.check(activity: 302))
        #expect(!trimmer.check(activity: 303))  // a lone connection later, after quiet checks
        #expect(!trimmer.check(activity: 303))
    }

    @Test func aSteadyStreamIsTrimmedEverySteadyCount() {
        let trimmer = HeapTrimmer(burst: 100, steady: 1_000)
        let trims = stride(from: 300, through: 3_000, by: 300).filter { trimmer.check(activity: $0) }
        #expect(trims == [1_200, 2_400])
    }
}
