/// PSKStore keeps TLS pre-shared keys in SQLite (WAL mode) and imports `init.psk` files into
/// it atomically. Its SQLite layer is one of the three places that import C.
public enum PSKStoreModule {}
