import ConfigModel
import NIOCore
import NIOHTTP1
import Testing

@testable import BrokerRuntime

/// Which upgrade requests become MQTT WebSockets, by the listener's `websocket` block: a pure
/// function of the request, driven without sockets.
struct WebSocketUpgradePolicyTests {
    func decide(_ uri: String, _ headers: [(String, String)], config: WebSocketConfig = WebSocketConfig())
        -> WebSocketUpgradePolicy.Decision
    {
        WebSocketUpgradePolicy(config: config).decide(uri: uri, headers: HTTPHeaders(headers))
    }

    @Test func pathAndSubprotocol() {
        #expect(decide("/mqtt", [("Sec-WebSocket-Protocol", "mqtt")]) == .upgrade(subprotocol: "mqtt"))
        #expect(decide("/mqtt?x=1", [("Sec-WebSocket-Protocol", "wamp, mqttv3.1, mqtt-v5")]) == .upgrade(subprotocol: "mqtt-v5"))
        guard case .refuse(.notFound, let why) = decide("/", [("Sec-WebSocket-Protocol", "mqtt")]) else {
            Issue.record("another path was not refused with 404")
            return
        }
        #expect(why.contains("mqtt_path is /mqtt"))
        guard case .refuse(.badRequest, _) = decide("/mqtt", []) else {
            Issue.record("no subprotocol was not refused with 400")
            return
        }
        var lenient = WebSocketConfig()
        lenient.failIfNoSubprotocol = false
        #expect(decide("/mqtt", [], config: lenient) == .upgrade(subprotocol: nil))
    }

    @Test func origins() {
        var config = WebSocketConfig()
        config.checkOriginEnable = true
        config.checkOrigins = ["https://app.example.com"]
        let protocolHeader = ("Sec-WebSocket-Protocol", "mqtt")
        #expect(decide("/mqtt", [protocolHeader, ("Origin", "https://app.example.com")], config: config) == .upgrade(subprotocol: "mqtt"))
        #expect(decide("/mqtt", [protocolHeader], config: config) == .upgrade(subprotocol: "mqtt"), "absence allowed by default")
        guard case .refuse(.forbidden, _) = decide("/mqtt", [protocolHeader, ("Origin", "https://evil.example.com")], config: config)
        else {
            Issue.record("a foreign origin was not refused with 403")
            return
        }
        config.allowOriginAbsence = false
        guard case .refuse(.forbidden, _) = decide("/mqtt", [protocolHeader], config: config) else {
            Issue.record("a missing origin was not refused with 403")
            return
        }
    }
}

/// X-Forwarded-For is believed only from a proxy on loopback or a private network.
struct ForwardedClientTests {
    @Test func trustedProxiesOnly() throws {
        let headers = HTTPHeaders([("X-Forwarded-For", "203.0.113.9, 10.0.0.2"), ("X-Forwarded-Port", "51000")])
        let local = try SocketAddress(ipAddress: "127.0.0.1", port: 40000)
        let forwarded = ForwardedClient.from(headers, addressHeader: "x-forwarded-for", portHeader: "x-forwarded-port", peer: local)
        #expect(forwarded?.address.ipAddress == "203.0.113.9" && forwarded?.address.port == 51000)
        let stranger = try SocketAddress(ipAddress: "198.51.100.7", port: 40000)
        #expect(ForwardedClient.from(headers, addressHeader: "x-forwarded-for", portHeader: "x-forwarded-port", peer: stranger) == nil)
        #expect(ForwardedClient.isTrustedProxy([10, 1, 2, 3]) && ForwardedClient.isTrustedProxy([172, 31, 0, 1]))
        #expect(ForwardedClient.isTrustedProxy([192, 168, 1, 1]) && !ForwardedClient.isTrustedProxy([172, 32, 0, 1]))
        #expect(!ForwardedClient.isTrustedProxy([8, 8, 8, 8]))
        let garbage = HTTPHeaders([("X-Forwarded-For", "not-an-address")])
        #expect(ForwardedClient.from(garbage, addressHeader: "x-forwarded-for", portHeader: "x-forwarded-port", peer: local) == nil)
    }
}
