import BrokerCore
import ConfigModel
import Logging
import NIOCore
import NIOPosix

/// The event loops `serve` runs on. Loop 0 runs the broker core (sessions, subscriptions,
/// retained messages, shared-subscription groups: one state machine, no locks); every loop,
/// 0 included, runs connections (TLS, the MQTT codec, timers), each on the loop it was
/// accepted onto. `LoopPort`s carry packets between them. docs/architecture.md says why one
/// routing loop and not shards.
final class BrokerLoops: Sendable {
    /// What listeners accept onto (NIO hands out its loops in turn): the one group of every
    /// loop, or with `routingAlone` a second group of all loops but the broker's.
    let group: MultiThreadedEventLoopGroup
    private let routingGroup: MultiThreadedEventLoopGroup?
    /// Index i is loop i; the broker's is 0.
    let loops: [any EventLoop]
    let driver: NIOLoopBound<BrokerDriver>
    /// Each loop's port, by index.
    let ports: [NIOLoopBound<LoopPort>]

    /// `routingAlone` (for the benchmark of the alternative): connections only on loops 1...,
    /// the broker's loop left to routing.
    init(threads: Int, routingAlone: Bool = false, broker: @escaping @Sendable () -> Broker, config: MQTTConfig, logger: Logger) {
        precondition(threads >= 1 && threads < ConnectionID.maximumLoops)
        let loops: [any EventLoop]
        if routingAlone && threads > 1 {
            let routing = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            routingGroup = routing
            group = MultiThreadedEventLoopGroup(numberOfThreads: threads - 1)
            loops = Array(routing.makeIterator()) + Array(group.makeIterator())
        } else {
            routingGroup = nil
            group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            loops = Array(group.makeIterator())
        }
        self.loops = loops
        let home = loops[0]
        // NIOLoopBound values are made on their loop. submit fails only on a loop that has
        // shut down, and this group was created just above.
        let (driver, local) = try! home.submit {
            let driver = BrokerDriver(broker: broker(), eventLoop: home)
            let port = LoopPort(driver: driver, config: config)
            return (NIOLoopBound(driver, eventLoop: home), NIOLoopBound(port, eventLoop: home))
        }.wait()
        let remote = loops.indices.dropFirst().map { index in
            let loop = loops[index]
            let output = HandoffCredit()
            let port = try! loop.submit {
                NIOLoopBound(
                    LoopPort(index: index, eventLoop: loop, driver: driver, output: output, config: config, logger: logger), eventLoop: loop
                )
            }.wait()
            return (port, output)
        }
        try! home.submit { driver.value.attach(remote: remote) }.wait()
        self.driver = driver
        ports = [local] + remote.map(\.0)
    }

    /// The broker's loop.
    var home: any EventLoop { loops[0] }

    /// Stops every loop.
    func shutdown() {
        try? group.syncShutdownGracefully()
        try? routingGroup?.syncShutdownGracefully()
    }

    /// The index of `loop` in the group.
    func index(of loop: any EventLoop) -> Int {
        loops.firstIndex { $0 === loop }!
    }

    /// `make` run on every loop, its value bound there; in loop order.
    func onEach<Value>(_ make: @escaping @Sendable (Int) -> Value) throws -> [NIOLoopBound<Value>] {
        try loops.indices.map { index in
            let loop = loops[index]
            return try loop.submit { NIOLoopBound(make(index), eventLoop: loop) }.wait()
        }
    }

    /// `body` with each loop's port, on that loop; what each returned, in loop order.
    func withEachPort<Result: Sendable>(_ body: @escaping @Sendable (LoopPort) -> Result) -> EventLoopFuture<[Result]> {
        let futures = ports.map { port in port.eventLoop.submit { body(port.value) } }
        return EventLoopFuture.whenAllSucceed(futures, on: home)
    }

    /// A reload's `mqtt {}`: the broker's, and each port's copy.
    func replaceConfig(_ config: MQTTConfig) -> EventLoopFuture<Void> {
        withEachPort { $0.config = config }.map { _ in }
    }
}
