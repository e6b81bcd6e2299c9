import ArgumentParser
import Authentication
import BrokerCore
import CertTools
import ConfigModel
import Foundation
import Logging
import MQTTCore
import Stores

extension EmqxCtl.ACL {
    /// `emqxctl acl check`: what a config's authorization decides for one client and topic.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether a client may publish or subscribe to a topic, and which rule decided.",
            discussion: """
                Asks the config's authorization exactly as serve does: superusers first, then \
                each source in order (acl.conf, the built_in_database rules in --db), the first \
                matching rule, else no_match. For subscribe, `$share/group/` is stripped first.

                EXAMPLES
                  emqxctl acl check --config etc/emqx.conf --username alice publish sensors/alice/t
                  emqxctl acl check --config etc/emqx.conf --cert device1-cert.pem subscribe '#'

                EXIT CODES
                  0 allowed; 1 denied; 2 the config has errors; 64 bad usage
                """
        )

        enum Action: String, ExpressibleByArgument { case publish, subscribe }

        @Option(help: ArgumentHelp("The config file.", valueName: "file"))
        var config = "etc/emqx.conf"

        @Option(help: "The client's user name.")
        var username: String?

        @Option(help: "The client id.")
        var clientid = "emqxctl-check"

        @Option(help: ArgumentHelp("The client's address, for {ipaddr, …} rules.", valueName: "ip"))
        var peerhost: String?

        @Option(help: ArgumentHelp("The client's certificate, for ${cert_common_name}.", valueName: "file"))
        var cert: String?

        @Flag(help: "The client is a superuser (authentication said so).")
        var superuser = false

        @Option(help: "The QoS of the publish or subscription.")
        var qos = 0

        @Flag(help: "The publish is retained.")
        var retain = false

        @OptionGroup var store: ACLStoreOptions

        @Argument(help: "publish or subscribe.")
        var action: Action

        @Argument(help: "The topic (publish) or filter (subscribe).")
        var topic: String

        func validate() throws {
            guard (0...2).contains(qos) else { throw ValidationError("--qos is 0, 1 or 2") }
        }

        func run() throws {
            let model = try ConfigLoader(environment: ProcessInfo.processInfo.environment).load(path: config).modelOrExit()
            var sources: [any AuthorizationSource] = []
            for source in model.authorization.sources {
                switch source {
                case .file(_, let rules): sources.append(rules)
                case .builtInDatabase:
                    var logger = Logger(label: "emqxctl.acl")
                    logger.logLevel = .critical
                    sources.append(try DatabaseACLSource(store: try store.open(create: false), logger: logger))
                }
            }
            var client = AuthorizationClient(clientID: clientid, username: username, isSuperuser: superuser)
            if let peerhost {
                guard let bytes = AccessRule.addressBytes(peerhost) else {
                    throw ValidationError("--peerhost: \(peerhost) is not an IP address")
                }
                client.peerAddress = bytes
            }
            if let cert {
                let certificate = try CryptoFile.certificates(path: cert).first
                client.commonName = certificate?.subject.commonName
            }
            let qos = QoS(rawValue: UInt8(qos))!
            let decision: AuthorizationDecision
            if superuser {
                decision = AuthorizationDecision(allowed: true, reason: .superuser)
            } else {
                let request = AuthorizationRequest(
                    client: client, action: action == .publish ? .publish(qos, retain: retain) : .subscribe(qos),
                    topic: action == .subscribe ? Self.withoutSharePrefix(topic) : topic)
                decision = RuleAuthorizer(sources: sources, noMatch: model.authorization.noMatch).authorize(request)
            }
            Console.output("\(decision.allowed ? "allow" : "deny"): \(decision.explanation)\n")
            if !decision.allowed { throw ExitCode.failure }
        }

        /// `$share/group/f` and `$queue/f` are authorized as `f`, as EMQX does.
        static func withoutSharePrefix(_ filter: String) -> String {
            if filter.hasPrefix("$queue/") { return String(filter.dropFirst("$queue/".count)) }
            guard filter.hasPrefix("$share/") else { return filter }
            let rest = filter.dropFirst("$share/".count)
            guard let slash = rest.firstIndex(of: "/") else { return filter }
            return String(rest[rest.index(after: slash)...])
        }
    }
}
