/// BrokerRuntime puts the embedded MQTT 3.1.1 / 5.0 broker behind `emqxctl serve` on
/// SwiftNIO: `BrokerServer` binds the listeners, `ListenerState` admits connections
/// (access_rules, max_connections) and logs their failures, `MQTTConnectionHandler` frames
/// packets and enforces the per-connection timers, and `BrokerDriver` runs the broker core
/// (BrokerCore's state machine) on the event loop and carries out its actions. TLS comes from
/// BrokerTLS, OCSP and CRLs from Revocation, the certificates and keys from the material
/// ConfigPreflight read. It never depends on PSKStore: the executable wires the PSK store in
/// through BrokerTLS's `PSKResolver`. docs/architecture.md draws the whole graph.
public enum BrokerRuntime {}
