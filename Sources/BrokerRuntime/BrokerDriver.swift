import BrokerCore
import ConfigModel
import Logging
import MQTTCore
import NIOCore

/// Runs the broker core on its event loop: hands it what the connections received, and
/// carries out the actions it returns (writes, closes, timers). The only place
/// the core meets NIO.
///
/// Writes are flushed once per batch of input: `flush()` at the end of a read burst writes
/// out every connection written to since the last one.
final class BrokerDriver {
    private(set) var broker: Broker
    let eventLoop: any EventLoop
    /// The actions of the call in progress; kept, so its storage is reused.
    private var actions = BrokerActions()
    private var performing = false
    private var connections: [ConnectionID: MQTTConnectionHandler] = [:]
    /// Connections written to since the last flush.
    private var unflushed: [ConnectionID: MQTTConnectionHandler] = [:]
    private var nextID: UInt64 = 0

    init(broker: Broker, eventLoop: any EventLoop) {
        self.broker = broker
        self.eventLoop = eventLoop
    }

    var logger: Logger { broker.logger }

    /// Swaps the authorization policy for every session at once (start-up, a reload).
    func replaceAuthorization(_ policy: AuthorizationPolicy?) {
        broker.replaceAuthorization(policy)
    }

    /// A reload's `mqtt {}`, for connections from now on.
    func replaceConfig(_ config: MQTTConfig) {
        broker.replaceConfig(config)
    }

    /// A new connection the listener admitted.
    func register(_ handler: MQTTConnectionHandler) -> ConnectionID {
        nextID += 1
        let id = ConnectionID(nextID)
        connections[id] = handler
        return id
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
        broker.writabilityChanged(connection, isWritable: isWritable, now: eventLoop.now, actions: &actions)
        perform()
    }

    /// The connection's channel went inactive.
    func closed(_ connection: ConnectionID) {
        connections[connection] = nil
        unflushed[connection] = nil
        broker.connectionClosed(connection, now: eventLoop.now, actions: &actions)
        perform()
        flush()
    }

    /// Every connection whose CONNECT was accepted.
    func connectedClients() -> [ConnectedClient] { connections.values.compactMap(\.connectedClient) }

    /// Closes every connection of a listener that stops, telling 5.0 clients the server is
    /// shutting down; returns how many.
    func closeConnections(ofListener id: String) -> Int {
        let closing = connections.values.filter { $0.listenerID == id }
        closing.forEach { $0.close(reason: .serverShuttingDown) }
        return closing.count
    }

    /// Closes `ids`, telling 5.0 clients `reason` first.
    func close(_ ids: [ConnectionID], reason: ReasonCode) {
        for id in ids { connections[id]?.close(reason: reason) }
    }

    /// Every connected 5.0 client gets DISCONNECT 0x8B, then every connection closes.
    func shutdown() {
        broker.shutdown(actions: &actions)
        perform()
    }

    /// Flushes every connection written to since the last call.
    func flush() {
        guard !unflushed.isEmpty else { return }
        for handler in unflushed.values { handler.flush() }
        unflushed.removeAll(keepingCapacity: true)
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
            case .send(let packet, let connection):
                guard let handler = connections[connection] else { continue }
                handler.send(packet)
                unflushed[connection] = handler
            case .close(let connection, let reason):
                // What this batch routed to others goes out first: once this channel closes,
                // the end of its read burst (where the batch is flushed) never comes.
                unflushed[connection] = nil
                flush()
                connections[connection]?.close(reason: reason)
            case .schedule(let timer, let deadline):
                let driver = NIOLoopBound(self, eventLoop: eventLoop)
                eventLoop.scheduleTask(deadline: deadline) { driver.value.timerFired(timer) }
            }
        }
        actions.removeAll()
    }
}

@available(*, unavailable)
extension BrokerDriver: Sendable {}
