import ConfigModel
import Logging
import MQTTCore
import NIOCore

@testable import BrokerCore

/// Plays the transport for the broker core: keeps what each connection was sent and whether
/// it was closed or paused, and fires the core's timers as the test moves the clock. No
/// channel and no event loop: the core is driven exactly as `BrokerDriver` drives it.
struct BrokerHarness {
    var broker: Broker
    private(set) var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private var actions = BrokerActions()
    private var timers: [(timer: BrokerTimer, deadline: NIODeadline)] = []
    private(set) var records: [ConnectionID: Record] = [:]
    /// Every durable change the core asked for, in order.
    private(set) var changes: [DurableChange] = []
    private var nextID: UInt64 = 0

    struct Record {
        var sent: [MQTTPacket] = []
        /// Those of `sent` that had to wait for a commit (`sendCommitted`).
        var committed: [MQTTPacket] = []
        var closedWith: ReasonCode?
        var closed = false

        var publishes: [PublishPacket] { sent.compactMap { if case .publish(let publish) = $0 { publish } else { nil } } }
        var connacks: [ConnAckPacket] { sent.compactMap { if case .connack(let connack) = $0 { connack } else { nil } } }
        var subacks: [SubAckPacket] { sent.compactMap { if case .suback(let suback) = $0 { suback } else { nil } } }
    }

    init(
        authorization: AuthorizationPolicy? = nil, forceShutdown: ForceShutdownConfig = ForceShutdownConfig(),
        retainer: RetainerConfig = RetainerConfig(), sessionPersistence: Bool = false, _ configure: (inout MQTTConfig) -> Void = { _ in }
    ) {
        var config = MQTTConfig()
        configure(&config)
        broker = Broker(
            config: config, forceShutdown: forceShutdown, retainer: retainer, sessionPersistence: sessionPersistence,
            logger: Logger(label: "test"), authorization: authorization)
    }

    /// Starts the core with what a state store held.
    mutating func start(restoring state: RestoredState) {
        broker.start(restoring: state, now: now, actions: &actions)
        perform()
    }

    /// Forgets the changes seen so far.
    mutating func clearChanges() { changes.removeAll() }

    subscript(_ connection: ConnectionID) -> Record { records[connection] ?? Record() }

    /// A new connection sending CONNECT; its id whether or not it was accepted.
    @discardableResult
    mutating func connect(
        _ clientID: String, version: ProtocolVersion = .v5, clean: Bool = true, expiry: UInt32? = nil, receiveMaximum: UInt16? = nil,
        will: ConnectPacket.Will? = nil, username: String? = nil, client: AuthorizationClient? = nil
    ) -> ConnectionID {
        nextID += 1
        let connection = ConnectionID(nextID)
        records[connection] = Record()
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = expiry
        properties.receiveMaximum = receiveMaximum
        var packet = ConnectPacket(
            protocolVersion: version, clientIdentifier: clientID, cleanStart: clean, will: will,
            properties: version == .v5 ? properties : MQTTProperties())
        packet.username = username
        _ = broker.connect(packet, on: connection, client: client, now: now, actions: &actions)
        perform()
        return connection
    }

    mutating func send(_ packet: MQTTPacket, from connection: ConnectionID) {
        broker.receive(packet, from: connection, now: now, actions: &actions)
        perform()
    }

    mutating func publish(_ connection: ConnectionID, _ topic: String, _ text: String, qos: QoS, id: UInt16? = nil, retain: Bool = false) {
        send(
            .publish(PublishPacket(topicName: topic, payload: ByteBuffer(string: text), qos: qos, retain: retain, packetIdentifier: id)),
            from: connection)
    }

    mutating func subscribe(_ connection: ConnectionID, _ filter: String, qos: QoS) {
        send(.subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [.init(topicFilter: filter, qos: qos)])), from: connection)
    }

    /// The connection's socket closed (no DISCONNECT).
    mutating func drop(_ connection: ConnectionID) {
        records[connection]?.closed = true
        broker.connectionClosed(connection, now: now, actions: &actions)
        perform()
    }

    mutating func setWritable(_ connection: ConnectionID, _ isWritable: Bool) {
        broker.writabilityChanged(connection, isWritable: isWritable, now: now, actions: &actions)
        perform()
    }

    /// Moves the clock, firing every timer that comes due on the way, in deadline order.
    mutating func advance(by amount: TimeAmount) {
        let end = now + amount
        while let next = timers.indices.filter({ timers[$0].deadline <= end }).min(by: { timers[$0].deadline < timers[$1].deadline }) {
            let (timer, deadline) = timers.remove(at: next)
            now = max(now, deadline)
            broker.timerFired(timer, now: now, actions: &actions)
            perform()
        }
        now = end
    }

    /// Carries out the actions as `BrokerDriver` does; a connection closed by an action then
    /// reports its close, as its channel going inactive would.
    private mutating func perform() {
        var index = 0
        while index < actions.all.count {
            let action = actions.all[index]
            index += 1
            switch action {
            case .send(let packet, let connection):
                guard records[connection]?.closed == false else { continue }
                records[connection]?.sent.append(packet)
            case .sendCommitted(let packet, let connection):
                // As if each commit were instant: the order per connection is what counts here.
                guard records[connection]?.closed == false else { continue }
                records[connection]?.sent.append(packet)
                records[connection]?.committed.append(packet)
            case .persist(let change):
                changes.append(change)
            case .close(let connection, let reason):
                guard records[connection]?.closed == false else { continue }
                records[connection]?.closed = true
                records[connection]?.closedWith = reason
                broker.connectionClosed(connection, now: now, actions: &actions)
            case .schedule(let timer, let deadline): timers.append((timer, deadline))
            }
        }
        actions.removeAll()
    }
}
