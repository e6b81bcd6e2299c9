import ConfigModel
import NIOCore

/// A listener that is running: its config as last applied, its state on every event loop,
/// and its server channel.
struct RunningListener {
    var config: ListenerConfig
    let states: ListenerStates
    let channel: any Channel
}

/// One listener's state on each event loop (by loop index), and the admission they share.
struct ListenerStates: Sendable {
    let admission: ListenerAdmission
    let byLoop: [NIOLoopBound<ListenerState>]
}
