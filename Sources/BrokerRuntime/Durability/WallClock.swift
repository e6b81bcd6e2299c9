import Foundation
import NIOCore

/// The broker core keeps time as uptime (`NIODeadline`); the state store as milliseconds
/// since 1970, which mean the same after a restart. One reading of both clocks converts.
struct WallClock {
    let uptime: NIODeadline
    let milliseconds: Int64

    static func now() -> WallClock {
        WallClock(uptime: .now(), milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    func milliseconds(at deadline: NIODeadline) -> Int64 {
        milliseconds + (deadline - uptime).nanoseconds / 1_000_000
    }

    func deadline(at wall: Int64) -> NIODeadline {
        uptime + .milliseconds(wall - milliseconds)
    }
}
