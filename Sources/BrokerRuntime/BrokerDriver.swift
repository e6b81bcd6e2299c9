import BrokerCore
import ConfigModel
import Logging
import MQTTCore
import NIOCore
import Synchronization

/// Runs the broker core on its event loop: hands it what the connections received, and
/// carries out the actions it returns (writes, closes, timers). The only place
/// the core meets NIO.
///
/// Connections live on every loop of the group, each behind its loop's `LoopPort`. Those of
/// the broker's own loop are written to directly; what goes to the others collects in one
/// outbox a loop, sent over in one task a flush. Writes are flushed once per batch of input:
/// `flush()` at the end of a read burst writes out every connection written to since the last.
///
/// A loop behind on its deliveries (more than `HandoffCredit.high` bytes) is to the broker as
/// an unwritable socket: each connection sent to meanwhile is marked busy (its messages wait
/// in its session's bounded queue, as for a slow reader) until the loop catches up.
final class BrokerDriver {
    private(set) var broker: Broker
    let eventLoop: any EventLoop
    /// The actions of the call in progress; kept, so its storage is reused.
    private var actions = BrokerActions()
    private var performing = false
    /// This loop's port, and the other loops' (by index; index 0 has none).
    private var local: LoopPort?
    private var remotes: [Remote] = [Remote()]
    /// Connections on other loops whose channel said it cannot take more.
    private var unwritable: Set<ConnectionID> = []
    /// Where durable changes go, when sessions persist or retained messages live on disc.
    private var journal: StateJournal?
    /// Writes and closes held until the journal commits the group each waits for, in order.
    private var held = CircularBuffer<(group: UInt64, action: BrokerAction)>()
    /// How many held actions each connection has: while it has any, what follows waits too.
    private var heldPerConnection: [ConnectionID: Int] = [:]

    /// Another loop, as the driver sees it.
    private struct Remote {
        var port: NIOLoopBound<LoopPort>?
        var credit = HandoffCredit()
        /// What goes there at the next flush, and what it weighs.
        var outbox: [BrokerOutput] = []
        var outboxBytes = 0
        /// Connections marked busy until the loop catches up.
        var held: Set<ConnectionID> = []
    }

    init(broker: Broker, eventLoop: any EventLoop) {
        self.broker = broker
        self.eventLoop = eventLoop
    }

    var logger: Logger { broker.logger }

    /// The broker's own loop's port (it calls this as it is made).
    func attach(_ port: LoopPort) { local = port }

    /// The ports of the other loops, index 1 on, with the credit of what is delivered to each.
    func attach(remote ports: [(NIOLoopBound<LoopPort>, HandoffCredit)]) {
        remotes = [Remote()] + ports.map { Remote(port: $0, credit: $1) }
    }

    /// Starts the core with what the state store held, and commits through `journal` from
    /// now on (nil: nothing is durable).
    func start(restoring state: RestoredState, journal: StateJournal?) {
        self.journal = journal
        let driver = NIOLoopBound(self, eventLoop: eventLoop)
        journal?.onCommit = { driver.value.committed(upTo: $0) }
        broker.start(restoring: state, now: eventLoop.now, actions: &actions)
        perform()
    }

    /// Completes once every durable change so far is on disk (at shutdown), with how many
    /// changes were written in how many groups since start.
    func settle() -> EventLoopFuture<(changes: Int, groups: Int)?> {
        guard let journal else { return eventLoop.makeSucceededFuture(nil) }
        let bound = NIOLoopBound(journal, eventLoop: eventLoop)
        return journal.caughtUp().map { (bound.value.changesCommitted, bound.value.groupsCommitted) }
    }

    /// A group is on disk: what waited for it goes out, in order.
    private func committed(upTo group: UInt64) {
        while let first = held.first, first.group <= group {
            _ = held.popFirst()
            switch first.action {
            case .send(_, let connection), .sendCommitted(_, let connection), .close(let connection, _):
                heldPerConnection[connection, default: 1] -= 1
                if heldPerConnection[connection] == 0 { heldPerConnection[connection] = nil }
            default: break
            }
            carryOut(first.action)
        }
        flush()
    }

    /// Swaps the authorization policy for every session at once (start-up, a reload).
    func replaceAuthorization(_ policy: AuthorizationPolicy?) {
        broker.replaceAuthorization(policy)
    }

    /// A reload's `mqtt {}`, for connections from now on.
    func replaceConfig(_ config: MQTTConfig) {
        broker.replaceConfig(config)
    }

    func connect(_ packet: ConnectPacket, from connection: ConnectionID, client: AuthorizationClient) -> Broker.ConnectOutcome {
        let outcome = broker.connect(packet, on: connection, client: client, now: eventLoop.now, actions: &actions)
        perform()
        return outcome
    }

    func receive(_ packet: MQTTPacket, from connection: ConnectionID) {
        broker.receive(packet, from: connection, now: eventLoop.now, actions: &actions)
        perform()
    }

    func writabilityChanged(_ connection: ConnectionID, isWritable: Bool) {
        if connection.loop != 0 {
            if isWritable {
                unwritable.remove(connection)
                // Still held for its loop: writable again once that catches up.
                if remotes[connection.loop].held.contains(connection) { return }
            } else {
                unwritable.insert(connection)
            }
        }
        broker.writabilityChanged(connection, isWritable: isWritable, now: eventLoop.now, actions: &actions)
        perform()
    }

    /// The connection's channel went inactive.
    func closed(_ connection: ConnectionID) {
        broker.connectionClosed(connection, now: eventLoop.now, actions: &actions)
        perform()
        flush()
    }

    /// What another loop's connections handed the broker since its last batch, in order.
    func handle(_ inputs: [BrokerInput]) {
        for input in inputs {
            switch input {
            case .connect(let packet, let connection, let client):
                let outcome = broker.connect(packet, on: connection, client: client, now: eventLoop.now, actions: &actions)
                // The handler learns its outcome before the CONNACK and what follows it.
                post(.connected(connection, outcome), to: connection)
                perform()
            case .packet(let packet, let connection):
                receive(packet, from: connection)
            case .writability(let connection, let isWritable):
                writabilityChanged(connection, isWritable: isWritable)
            case .closed(let connection):
                unwritable.remove(connection)
                remotes[connection.loop].held.remove(connection)
                broker.connectionClosed(connection, now: eventLoop.now, actions: &actions)
                perform()
            }
        }
        flush()
    }

    /// Loop `index` has caught up on its deliveries: the connections held for it are writable
    /// again (those whose own channel is not full), and their queues drain.
    func caughtUp(loop index: Int) {
        let held = remotes[index].held
        remotes[index].held = []
        for connection in held where !unwritable.contains(connection) {
            broker.writabilityChanged(connection, isWritable: true, now: eventLoop.now, actions: &actions)
            perform()
        }
        flush()
    }

    /// Every connected 5.0 client gets DISCONNECT 0x8B, then every connection closes.
    func shutdown() {
        broker.shutdown(actions: &actions)
        perform()
        flush()
    }

    /// Flushes every connection of this loop written to since the last call, and sends each
    /// other loop what is waiting for it.
    func flush() {
        journal?.commit()
        local?.flush()
        for index in remotes.indices.dropFirst() where !remotes[index].outbox.isEmpty {
            let (outputs, bytes) = (remotes[index].outbox, remotes[index].outboxBytes)
            remotes[index].outbox.removeAll()
            remotes[index].outboxBytes = 0
            remotes[index].credit.inFlight.add(bytes, ordering: .relaxed)
            guard let port = remotes[index].port else { continue }
            port.eventLoop.execute { port.value.deliver(outputs, bytes: bytes) }
        }
    }

    /// Queues `output` for the loop of `connection`. Past `high` bytes that loop has not
    /// written yet, a connection sent to is marked busy until it catches up.
    private func post(_ output: BrokerOutput, to connection: ConnectionID) {
        let index = connection.loop
        remotes[index].outbox.append(output)
        remotes[index].outboxBytes += output.weight
        guard case .send = output,
            remotes[index].credit.inFlight.load(ordering: .relaxed) + remotes[index].outboxBytes > HandoffCredit.high,
            remotes[index].held.insert(connection).inserted
        else { return }
        // Set while this outbox is unsent: its delivery, or an earlier one's, sees it.
        remotes[index].credit.waiting.store(true, ordering: .sequentiallyConsistent)
        broker.writabilityChanged(connection, isWritable: false, now: eventLoop.now, actions: &actions)
    }

    private func timerFired(_ timer: BrokerTimer) {
        broker.timerFired(timer, now: eventLoop.now, actions: &actions)
        perform()
        flush()
    }

    /// Carries out the actions in order. Re-entrant calls (a close whose channelInactive
    /// comes back through `closed`) only add to the list, which the outer call finishes.
    private func perform() {
        guard !performing else { return }
        performing = true
        defer { performing = false }
        var index = 0
        while index < actions.all.count {
            let action = actions.all[index]
            index += 1
            switch action {
            case .persist(let change):
                journal?.append(change)
            case .sendCommitted(_, let connection):
                if let journal, !journal.isCaughtUp || heldPerConnection[connection] != nil {
                    hold(action, for: connection, until: journal.lastGroup)
                } else {
                    carryOut(action)
                }
            case .send(_, let connection), .close(let connection, _):
                if let journal, heldPerConnection[connection] != nil {
                    hold(action, for: connection, until: journal.lastGroup)
                } else {
                    carryOut(action)
                }
            case .schedule:
                carryOut(action)
            }
        }
        actions.removeAll()
    }

    private func hold(_ action: BrokerAction, for connection: ConnectionID, until group: UInt64) {
        held.append((group, action))
        heldPerConnection[connection, default: 0] += 1
    }

    private func carryOut(_ action: BrokerAction) {
        switch action {
        case .send(let packet, let connection), .sendCommitted(let packet, let connection):
            if connection.loop == 0 {
                local?.send(packet, to: connection)
            } else {
                post(.send(packet, connection), to: connection)
            }
        case .close(let connection, let reason):
            if connection.loop == 0 {
                // What this batch routed to others goes out first: once this channel
                // closes, the end of its read burst (where the batch is flushed) never comes.
                flush()
                local?.close(connection, reason: reason)
            } else {
                post(.close(connection, reason), to: connection)
            }
        case .schedule(let timer, let deadline):
            let driver = NIOLoopBound(self, eventLoop: eventLoop)
            eventLoop.scheduleTask(deadline: deadline) { driver.value.timerFired(timer) }
        case .persist:
            break
        }
    }
}

@available(*, unavailable)
extension BrokerDriver: Sendable {}
