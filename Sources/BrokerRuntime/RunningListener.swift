import ConfigModel
import NIOCore

/// A listener that is running: its config as last applied, its state on the event loop, and
/// its server channel.
struct RunningListener {
    var config: ListenerConfig
    let state: NIOLoopBound<ListenerState>
    let channel: any Channel
}
