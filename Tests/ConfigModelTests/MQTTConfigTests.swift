import ConfigModel
import Testing

@Suite struct MQTTConfigTests {
    func load(_ text: String) -> ConfigLoadResult { ConfigLoader(environment: [:]).load(text: text, path: "emqx.conf") }

    @Test func defaultsAreEMQXs() throws {
        let mqtt = try #require(load("node.name = x\n").config?.mqtt)
        #expect(mqtt.maxPacketSize == 1 << 20)
        #expect(mqtt.maxInflight == 32)
        #expect(mqtt.maxMqueueLength == 1000)
        #expect(mqtt.keepaliveMultiplier == 1.5)
        #expect(mqtt.sessionExpiryInterval == .seconds(7200))
        #expect(mqtt.serverKeepAlive == nil)
    }

    @Test func valuesAreReadAndChecked() throws {
        let result = load(
            """
            mqtt {
              max_packet_size = 256KB
              max_qos_allowed = 1
              server_keepalive = 30
              max_mqueue_len = infinity
              retain_available = false
              keepalive_multiplier = 2
              max_clientid_len = 10
              max_inflgiht = 5
            }
            """
        )
        let mqtt = try #require(result.config?.mqtt)
        #expect(mqtt.maxPacketSize == 256 << 10)
        #expect(mqtt.maxQoSAllowed == 1)
        #expect(mqtt.serverKeepAlive == 30)
        #expect(mqtt.maxMqueueLength == 0)
        #expect(!mqtt.retainAvailable)
        #expect(mqtt.keepaliveMultiplier == 2)
        let rendered = DiagnosticRenderer.render(result.diagnostics)
        #expect(
            rendered.contains("emqx.conf:8:22: error[out-of-range]: mqtt.max_clientid_len: 10 is out of range; allowed: 23 to 65535"),
            "\(rendered)")
        #expect(rendered.contains("unknown key \"max_inflgiht\"; did you mean \"max_inflight\"?"), "\(rendered)")
    }
}
