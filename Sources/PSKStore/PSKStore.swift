/// PSKStore keeps TLS pre-shared keys in SQLite (WAL mode) and imports `init.psk` files into
/// it atomically.
///
/// Its `SQLite/` folder is one of the three places in emqxctl that import C: a small
/// statement wrapper over the raw SQLite API (see docs/architecture.md for why not GRDB).
/// The store, import and `psk` commands land with the PSKStore issue.
public enum PSKStoreModule {}
