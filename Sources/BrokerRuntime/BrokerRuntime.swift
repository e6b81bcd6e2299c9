/// BrokerRuntime is the embedded MQTT 3.1.1 / 5.0 broker behind `emqxctl serve`: codec,
/// routing, sessions, listeners and the OpenSSL TLS handler (in `TLS/`, the third and last
/// place that imports C). It depends on ConfigModel's typed model and on CertTools, never on
/// PSKStore: the executable wires the PSK store in through a resolver protocol.
///
/// `Codec/` and `Session/` are pure state machines that tests drive without sockets;
/// `Connection/`, `Server/` and `TLS/` put them on SwiftNIO channels; `Bench/` is the load
/// generator that speaks the same codec.
public enum BrokerRuntime {}
