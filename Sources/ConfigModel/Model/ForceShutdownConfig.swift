/// `force_shutdown`: when a connection holding too much is closed, with EMQX's names and
/// defaults. In emqxctl it applies to a busy connection's queue (messages waiting while its
/// unsent bytes are over tcp_options.high_watermark): past `max_mailbox_size` messages or
/// `max_heap_size` bytes of payload, the connection is closed rather than left to hold more.
/// (With `max_mailbox_size` at or above `mqtt.max_mqueue_len`, the queue drops its oldest
/// first and the count never passes it.)
public struct ForceShutdownConfig: Sendable, Hashable {
    public var enable = true
    /// Default 1000.
    public var maxMailboxSize = 1000
    /// Default 32MB.
    public var maxHeapSize = 32 << 20

    public init() {}

    init(_ reader: inout ObjectReader) {
        enable = reader.bool("enable", default: true)
        maxMailboxSize = reader.integer("max_mailbox_size", default: maxMailboxSize, range: 0...Int(Int32.max))
        maxHeapSize = reader.byteSize("max_heap_size", default: maxHeapSize) ?? maxHeapSize
        reader.finish()
    }
}
