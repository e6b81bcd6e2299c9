/// BrokerRuntime is the embedded MQTT 3.1.1 / 5.0 broker behind `emqxctl serve`: codec,
/// routing, sessions, listeners and the OpenSSL TLS handler (in `TLS/`, the third and last
/// place that imports C). It depends on ConfigModel's typed model and on CertTools, never on
/// PSKStore: the executable wires the PSK store in through a resolver protocol.
///
/// So far it holds the pure topic vocabulary of `Routing/`; the rest lands with the broker issue.
public enum BrokerRuntime {}
