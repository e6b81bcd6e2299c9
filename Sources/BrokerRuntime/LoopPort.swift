import BrokerCore
import ConfigModel
import Logging
import MQTTCore
import NIOCore
import Synchronization

/// One event loop's door to the broker core: the connections that live on this loop, by
/// ConnectionID, and the way their packets reach the `BrokerDriver` on the broker's loop and
/// its answers come back.
///
/// On the broker's own loop (index 0) every call goes straight to the driver, as with one
/// loop. On the others, what the connections hand the broker waits in `pending` and goes over
/// in one task when the loop has handled its ready sockets: one hop a loop iteration, however
/// many connections read. What the broker sends back arrives the same way, one `deliver` a
/// flush. Order is kept per connection: its inputs travel in one queue, and so do its outputs.
///
/// What is handed over either way is bounded (`HandoffCredit`). Past `high` bytes the broker
/// has not handled yet, this loop's connections that read more stop reading until it is below
/// `low`; TCP then slows the peers that send the most, as it does for one loop, where reading
/// waits for routing. The other way, the driver treats a connection as unwritable while its
/// loop has more than `high` bytes of deliveries to catch up on.
final class LoopPort {
    /// The loop's place in the group; every ConnectionID made here carries it.
    let index: Int
    let eventLoop: any EventLoop
    /// `mqtt {}` as connections read it (idle_timeout, the keep-alive multiplier,
    /// max_packet_size): a copy on each loop, replaced at reload.
    var config: MQTTConfig
    let logger: Logger
    private let broker: Place
    private var connections: [ConnectionID: MQTTConnectionHandler] = [:]
    private var nextSerial: UInt64 = 0
    /// Inputs for the broker not yet sent over, and whether the task that sends them is queued.
    private var pending: [BrokerInput] = []
    private var sendScheduled = false
    /// Bytes read since the last batch went over, and the connections stopped until the
    /// broker catches up.
    private var pendingBytes = 0
    private var stalled: [ConnectionID: MQTTConnectionHandler] = [:]
    /// Bytes handed to the broker and not yet handled; bytes delivered here and not yet written.
    private let input: HandoffCredit
    private let output: HandoffCredit
    /// Connections written to by the delivery in progress.
    private var unflushed: [ConnectionID: MQTTConnectionHandler] = [:]

    /// Where the broker is: here, or on another loop.
    private enum Place {
        case here(BrokerDriver)
        case away(NIOLoopBound<BrokerDriver>)
    }

    /// The port of the broker's own loop.
    init(driver: BrokerDriver, config: MQTTConfig) {
        index = 0
        (input, output) = (HandoffCredit(), HandoffCredit())
        eventLoop = driver.eventLoop
        self.config = config
        logger = driver.logger
        broker = .here(driver)
        driver.attach(self)
    }

    /// The port of another loop, `index` in the group; `output` is shared with the driver.
    init(
        index: Int, eventLoop: any EventLoop, driver: NIOLoopBound<BrokerDriver>, output: HandoffCredit, config: MQTTConfig, logger: Logger
    ) {
        precondition(index > 0 && index < ConnectionID.maximumLoops)
        self.index = index
        (input, self.output) = (HandoffCredit(), output)
        self.eventLoop = eventLoop
        self.config = config
        self.logger = logger
        broker = .away(driver)
    }

    // MARK: From connections to the broker

    /// A new connection the listener admitted.
    func register(_ handler: MQTTConnectionHandler) -> ConnectionID {
        nextSerial += 1
        let id = ConnectionID(loop: index, serial: nextSerial)
        connections[id] = handler
        return id
    }

    /// The CONNECT's outcome now, or nil when it comes later through the handler's
    /// `connected(_:)` (the broker is on another loop).
    func connect(_ packet: ConnectPacket, from connection: ConnectionID, client: AuthorizationClient) -> Broker.ConnectOutcome? {
        switch broker {
        case .here(let driver): return driver.connect(packet, from: connection, client: client)
        case .away:
            send(.connect(packet, connection, client))
            return nil
        }
    }

    func receive(_ packet: MQTTPacket, from connection: ConnectionID) {
        switch broker {
        case .here(let driver): driver.receive(packet, from: connection)
        case .away: send(.packet(packet, connection))
        }
    }

    /// Goes over at once, ahead of the batch: the broker stops writing to a connection that
    /// cannot take more as soon as it can, not after this loop's queue of deliveries.
    func writabilityChanged(_ connection: ConnectionID, isWritable: Bool) {
        switch broker {
        case .here(let driver): driver.writabilityChanged(connection, isWritable: isWritable)
        case .away(let driver): driver.eventLoop.execute { driver.value.handle([.writability(connection, isWritable)]) }
        }
    }

    /// The connection's channel went inactive.
    func closed(_ connection: ConnectionID) {
        connections[connection] = nil
        unflushed[connection] = nil
        stalled[connection] = nil
        switch broker {
        case .here(let driver): driver.closed(connection)
        case .away: send(.closed(connection))
        }
    }

    /// Bytes a connection read, before its packets: true when it must stop reading until the
    /// broker has caught up (`resume`).
    func read(_ bytes: Int, by connection: ConnectionID, _ handler: MQTTConnectionHandler) -> Bool {
        guard case .away = broker else { return false }
        pendingBytes += bytes
        guard input.inFlight.load(ordering: .relaxed) + pendingBytes > HandoffCredit.high else { return false }
        stalled[connection] = handler
        // Set before the batch carrying these bytes goes: the broker, once it has handled that
        // batch, sees it and sends `resume`.
        input.waiting.store(true, ordering: .sequentiallyConsistent)
        scheduleSend()
        return true
    }

    /// The broker caught up: the connections stopped read again.
    private func resume() {
        let resuming = stalled.values
        stalled.removeAll()
        for handler in resuming { handler.brokerCaughtUp() }
    }

    /// The end of a connection's read burst: on the broker's loop, what the broker wrote is
    /// flushed now; elsewhere the queued task carries it.
    func readComplete() {
        if case .here(let driver) = broker { driver.flush() }
    }

    private func send(_ input: BrokerInput) {
        pending.append(input)
        scheduleSend()
    }

    /// Queues the task that takes what waits over to the broker, once the loop has handled
    /// its ready sockets.
    private func scheduleSend() {
        guard !sendScheduled, case .away(let driver) = broker else { return }
        sendScheduled = true
        let port = NIOLoopBound(self, eventLoop: eventLoop)
        let credit = input
        eventLoop.execute {
            let inputs = port.value.takePending()
            let bytes = port.value.pendingBytes
            port.value.pendingBytes = 0
            credit.inFlight.add(bytes, ordering: .relaxed)
            driver.eventLoop.execute {
                driver.value.handle(inputs)
                if credit.handled(bytes) { port.eventLoop.execute { port.value.resume() } }
            }
        }
    }

    private func takePending() -> [BrokerInput] {
        sendScheduled = false
        defer { pending = [] }
        return pending
    }

    // MARK: From the broker to connections

    /// Writes a packet; flushed by `flush()`.
    func send(_ packet: MQTTPacket, to connection: ConnectionID) {
        guard let handler = connections[connection] else { return }
        handler.send(packet)
        unflushed[connection] = handler
    }

    /// Closes a connection, what this batch wrote to the others flushed first (once it is
    /// closed, the end of its read burst, where the batch would be flushed, never comes).
    func close(_ connection: ConnectionID, reason: ReasonCode?) {
        unflushed[connection] = nil
        flush()
        connections[connection]?.close(reason: reason)
    }

    /// Flushes every connection written to since the last call.
    func flush() {
        guard !unflushed.isEmpty else { return }
        for handler in unflushed.values { handler.flush() }
        unflushed.removeAll(keepingCapacity: true)
    }

    /// What the broker sent this loop's connections in one flush (another loop's port), and
    /// what they weigh; the driver hears when this loop has caught up.
    func deliver(_ outputs: [BrokerOutput], bytes: Int) {
        for output in outputs {
            switch output {
            case .connected(let connection, let outcome): connections[connection]?.connected(outcome)
            case .send(let packet, let connection): send(packet, to: connection)
            case .close(let connection, let reason): close(connection, reason: reason)
            }
        }
        flush()
        guard output.handled(bytes), case .away(let driver) = broker else { return }
        let index = self.index
        driver.eventLoop.execute { driver.value.caughtUp(loop: index) }
    }

    // MARK: For the server

    /// Every connection whose CONNECT was accepted.
    func connectedClients() -> [ConnectedClient] { connections.values.compactMap(\.connectedClient) }

    /// Closes every connection of a listener that stops, telling 5.0 clients the server is
    /// shutting down; returns how many.
    func closeConnections(ofListener id: String) -> Int {
        let closing = connections.values.filter { $0.listenerID == id }
        closing.forEach { $0.close(reason: .serverShuttingDown) }
        return closing.count
    }

    /// Closes `ids` (those on this loop), telling 5.0 clients `reason` first.
    func close(_ ids: [ConnectionID], reason: ReasonCode) {
        for id in ids { connections[id]?.close(reason: reason) }
    }
}

@available(*, unavailable)
extension LoopPort: Sendable {}

/// Backpressure between two loops, one way: the bytes one handed the other and the other has
/// not handled yet, and whether the sender holds connections back until they fall.
final class HandoffCredit: Sendable {
    /// Above this many bytes in flight, the sender holds back.
    static let high = 4 << 20
    /// Below this, it goes on.
    static let low = 1 << 20

    let inFlight = Atomic<Int>(0)
    let waiting = Atomic<Bool>(false)

    /// The receiver handled `bytes`: true when the sender should be told to go on (once).
    func handled(_ bytes: Int) -> Bool {
        let left = inFlight.subtract(bytes, ordering: .relaxed).newValue
        return left < Self.low && waiting.exchange(false, ordering: .sequentiallyConsistent)
    }
}

/// What a connection on another loop hands the broker.
enum BrokerInput: Sendable {
    case connect(ConnectPacket, ConnectionID, AuthorizationClient)
    case packet(MQTTPacket, ConnectionID)
    case writability(ConnectionID, Bool)
    case closed(ConnectionID)
}

/// What the broker hands a connection on another loop.
enum BrokerOutput: Sendable {
    /// The CONNECT's outcome; before anything sent in answer to it.
    case connected(ConnectionID, Broker.ConnectOutcome)
    case send(MQTTPacket, ConnectionID)
    case close(ConnectionID, ReasonCode?)

    /// About what it holds in memory until written: a PUBLISH's payload, or a little.
    var weight: Int {
        guard case .send(.publish(let publish), _) = self else { return 64 }
        return publish.payload.readableBytes + 64
    }
}

extension ConnectionID {
    /// The top byte names the loop, the rest counts that loop's connections: unique without
    /// the loops agreeing on anything, and never reused.
    static let maximumLoops = 256

    init(loop: Int, serial: UInt64) { self.init(UInt64(loop) << 56 | serial) }

    var loop: Int { Int(rawValue >> 56) }
}
