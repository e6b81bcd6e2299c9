/// `retainer`: how retained messages are kept, with EMQX 5's names and defaults
/// (`emqx_retainer_schema`). `backend.storage_type = disc` keeps them in the broker's state
/// store, so they survive a restart and a crash.
public struct RetainerConfig: Sendable, Hashable {
    public enum StorageType: String, Sendable, CaseIterable {
        case ram
        case disc
    }

    /// Default true. Off, a PUBLISH with the retain flag is delivered but not kept.
    public var enable = true
    /// Default 0s (never): how long a retained message without its own Message Expiry
    /// Interval is kept.
    public var msgExpiryInterval = ConfigDuration.seconds(0)
    /// Default 0s (never): how often expired retained messages are swept out (they are never
    /// delivered once expired, swept or not).
    public var msgClearInterval = ConfigDuration.seconds(0)
    /// Default 1MB: a larger message is delivered but not retained.
    public var maxPayloadSize = 1 << 20
    /// Default false. True: a PUBLISH that clears a retained message (empty payload) is not
    /// delivered to subscribers.
    public var stopPublishClearMsg = false
    /// `backend.storage_type`; default ram.
    public var storageType = StorageType.ram
    /// Where `storage_type` was written.
    public var storageTypeLocation: SourceLocation?
    /// `backend.max_retained_messages`; default 0 (no limit). At the limit, a message for a
    /// topic with none retained is not retained; one that replaces another still is.
    public var maxRetainedMessages = 0

    public init() {}

    init(_ reader: inout ObjectReader, context: DecodingContext) {
        enable = reader.bool("enable", default: true)
        msgExpiryInterval = reader.duration("msg_expiry_interval", default: msgExpiryInterval)
        msgClearInterval = reader.duration("msg_clear_interval", default: msgClearInterval)
        maxPayloadSize = reader.byteSize("max_payload_size", default: maxPayloadSize) ?? maxPayloadSize
        stopPublishClearMsg = reader.bool("stop_publish_clear_msg", default: false)
        if reader.value("backend") != nil {
            var backend = reader.object("backend")
            _ = backend.choice("type", default: BackendType.builtInDatabase)
            storageType = backend.choice("storage_type", default: StorageType.ram)
            storageTypeLocation = backend.object["storage_type"]?.location
            maxRetainedMessages = backend.integer("max_retained_messages", default: 0, range: 0...Int(Int32.max))
            backend.notApplied(["index_specs"], why: "emqxctl matches retained topics without index specifications")
            backend.finish()
        }
        for key in ["storage_type", "max_retained_messages"] where reader.object[key] != nil {
            reader.declare([key])
            context.sink.report(
                .unknownKey, .error, reader.keyLocation(key), reader.path(key),
                "retainer.\(key) is EMQX 4's place for it; EMQX 5 reads retainer.backend.\(key) and ignores this one",
                hint: "move it into retainer.backend { \(key) = … }")
        }
        reader.notApplied(["deliver_rate", "flow_control"], why: "retained messages go out as a subscription asks for them, unpaced")
        reader.finish()
    }

    enum BackendType: String, CaseIterable {
        case builtInDatabase = "built_in_database"
    }
}

/// `session_persistence` (EMQX 5.5 and 5.6; 5.7 renamed it `durable_sessions`, which is read
/// the same): sessions whose expiry interval is above 0 (5.0), or that connected with
/// `clean_session = false` (3.1.1), are kept in the broker's state store with their
/// subscriptions, queued QoS 1 and 2 messages and unacknowledged state, and come back after a
/// restart or a crash.
public struct SessionPersistenceConfig: Sendable, Hashable {
    /// Default false.
    public var enable = false
    /// Where the block was written.
    public var location: SourceLocation?

    public init() {}

    init(_ reader: inout ObjectReader) {
        location = reader.location
        enable = reader.bool("enable", default: false)
        reader.notApplied(
            [
                "batch_size", "idle_poll_interval", "heartbeat_interval", "checkpoint_interval", "renew_streams_interval",
                "session_gc_interval", "session_gc_batch_size", "message_retention_period", "force_persistence", "storage",
                "subscription_count_refresh_interval", "disconnected_session_count_refresh_interval", "shared_subs",
            ],
            why: "EMQX's durable storage tuning; emqxctl commits sessions to SQLite in groups every few milliseconds")
        reader.finish()
    }
}
