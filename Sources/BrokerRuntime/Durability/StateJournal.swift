import BrokerCore
import Logging
import NIOCore
import NIOPosix
import Stores

/// Group commit of the broker core's durable changes to the state store. Changes collect on
/// the broker's loop while the previous group commits on the journal's own thread; when it is
/// done, everything that came meanwhile goes as the next group, in one transaction. So a
/// commit is never waited for longer than about two commits, and under load one commit
/// carries many messages. Confined to the broker's loop, except the store, which only the
/// journal's thread touches.
final class StateJournal {
    /// The groups are numbered from 1, in the order they are written.
    private var pending: [DurableChange] = []
    /// The group being written, if one is.
    private var writing: UInt64?
    private var nextGroup: UInt64 = 1
    private let writer: Writer
    private let eventLoop: any EventLoop
    private let logger: Logger
    /// Called on the broker's loop as each group is committed.
    var onCommit: (UInt64) -> Void = { _ in }
    /// Changes committed, and groups, for status and the benchmarks.
    private(set) var changesCommitted = 0
    private(set) var groupsCommitted = 0

    init(store: BrokerStateStore, eventLoop: any EventLoop, logger: Logger) {
        self.writer = Writer(store: store)
        self.eventLoop = eventLoop
        self.logger = logger
    }

    func append(_ change: DurableChange) { pending.append(change) }

    /// The group the changes appended so far go in: what a send held for them waits for.
    var lastGroup: UInt64 { pending.isEmpty ? nextGroup - 1 : nextGroup }

    /// Whether every change appended so far is on disk.
    var isCaughtUp: Bool { pending.isEmpty && writing == nil }

    /// Promises of `caughtUp()`, kept until everything appended is on disk.
    private var waiters: [EventLoopPromise<Void>] = []

    /// Completes once every change appended so far is on disk (at shutdown).
    func caughtUp() -> EventLoopFuture<Void> {
        commit()
        guard !isCaughtUp else { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        waiters.append(promise)
        return promise.futureResult
    }

    /// Starts writing what is pending, unless a group is being written (it follows that one).
    /// Each group goes as soon as the one before it is on disk: a publisher's acknowledgement
    /// waits for the commit, so waiting longer to fill a group (2 ms was measured) costs
    /// window-bound publishers more than the fsyncs it saves.
    func commit() {
        guard writing == nil, !pending.isEmpty else { return }
        let group = nextGroup
        nextGroup += 1
        writing = group
        let changes = pending
        pending = []
        write(changes, group: group, attempt: 1)
    }

    private func write(_ changes: [DurableChange], group: UInt64, attempt: Int) {
        let journal = NIOLoopBound(self, eventLoop: eventLoop)
        writer.pool.runIfActive(eventLoop: eventLoop) { [writer] in
            try writer.apply(changes)
        }.whenComplete { result in
            let journal = journal.value
            switch result {
            case .success:
                journal.writing = nil
                journal.changesCommitted += changes.count
                journal.groupsCommitted += 1
                journal.onCommit(group)
                journal.commit()
                if journal.isCaughtUp {
                    let waiters = journal.waiters
                    journal.waiters = []
                    waiters.forEach { $0.succeed() }
                }
            case .failure(let error):
                // Nothing it acknowledges goes out until it is on disk: retry, and say so.
                if attempt == 1 || attempt.isPowerOfTwo {
                    journal.logger.error(
                        "cannot write the broker state store; acknowledgements wait until it can: \(error)",
                        metadata: ["attempt": "\(attempt)"])
                }
                let retrying = NIOLoopBound(journal, eventLoop: journal.eventLoop)
                journal.eventLoop.scheduleTask(in: .seconds(1)) {
                    retrying.value.write(changes, group: group, attempt: attempt + 1)
                }
            }
        }
    }

    /// Stops the journal's thread once the last group is written (at shutdown).
    func shutdown() async throws { try await writer.pool.shutdownGracefully() }

    /// The store and the one thread that writes it.
    private final class Writer: @unchecked Sendable {
        let pool = NIOThreadPool(numberOfThreads: 1)
        private let store: BrokerStateStore

        init(store: BrokerStateStore) {
            self.store = store
            pool.start()
        }

        /// On the pool's thread only.
        func apply(_ changes: [DurableChange]) throws {
            let clock = WallClock.now()
            try store.apply(DurableChange.coalesced(changes).map { StoredChange($0, clock: clock) })
        }
    }
}

extension Int {
    fileprivate var isPowerOfTwo: Bool { self > 0 && self & (self - 1) == 0 }
}
