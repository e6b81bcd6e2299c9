import ConfigModel
import NIOHTTP1

/// Whether an HTTP request may become an MQTT WebSocket, by a listener's `websocket` block:
/// the path, the Origin (with check_origin_enable) and the subprotocol. A pure function of
/// the request, shared by the upgrader (which answers yes) and the handler that answers no.
struct WebSocketUpgradePolicy {
    let config: WebSocketConfig

    enum Decision: Equatable {
        /// Upgrade, answering with this Sec-WebSocket-Protocol (nil: none was asked for).
        case upgrade(subprotocol: String?)
        case refuse(HTTPResponseStatus, String)
    }

    func decide(uri: String, headers: HTTPHeaders) -> Decision {
        let path = String(uri.prefix { $0 != "?" })
        guard path == config.mqttPath else {
            return .refuse(.notFound, "no MQTT over WebSocket at \(path) (websocket.mqtt_path is \(config.mqttPath))")
        }
        if config.checkOriginEnable {
            if let origin = headers.first(name: "origin") {
                guard config.checkOrigins.contains(origin) else {
                    return .refuse(.forbidden, "the origin \(origin) is not in websocket.check_origins")
                }
            } else if !config.allowOriginAbsence {
                return .refuse(.forbidden, "no Origin header, and websocket.allow_origin_absence is false")
            }
        }
        let offered = headers[canonicalForm: "sec-websocket-protocol"].map(String.init)
        let chosen = offered.first { config.supportedSubprotocols.contains($0) }
        if chosen == nil, config.failIfNoSubprotocol {
            let asked = offered.isEmpty ? "no Sec-WebSocket-Protocol" : "the subprotocols \(offered.joined(separator: ", "))"
            return .refuse(
                .badRequest,
                "\(asked), and websocket.fail_if_no_subprotocol wants one of \(config.supportedSubprotocols.joined(separator: ", "))")
        }
        return .upgrade(subprotocol: chosen)
    }
}
