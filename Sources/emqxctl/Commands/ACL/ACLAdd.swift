import ArgumentParser
import ConfigModel
import Foundation
import Stores

extension EmqxCtl.ACL {
    /// `emqxctl acl add`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append a rule to a client id's, a user name's, or everyone's list.",
            discussion: """
                The topic is a filter with the placeholders acl.conf allows (${username}, \
                ${clientid}, ${cert_common_name}), or `eq T` to compare as written.

                EXAMPLES
                  emqxctl acl add --username sensor-7 --permission allow --action publish --topic 'sensors/${username}/#'
                  emqxctl acl add --all --permission deny --action subscribe --topic 'eq #'

                EXIT CODES
                  0 added; 1 the store refused it (max_rules); 64 bad usage
                """
        )

        enum Permission: String, ExpressibleByArgument { case allow, deny }
        enum Action: String, ExpressibleByArgument { case publish, subscribe, all }
        enum Retain: String, ExpressibleByArgument { case `true`, `false`, all }

        @OptionGroup var subject: ACLSubjectOptions
        @OptionGroup var store: ACLStoreOptions

        @Option(help: "allow or deny.")
        var permission: Permission

        @Option(help: "publish, subscribe or all.")
        var action: Action

        @Option(help: "The topic filter, or `eq T`.")
        var topic: String

        @Option(help: "The QoS levels it covers, comma-separated (0,1,2).")
        var qos = "0,1,2"

        @Option(help: "For publish: the retain flag it covers (true, false, all).")
        var retain: Retain = .all

        @Option(help: "The most rules one subject may have (the source's max_rules).")
        var maxRules = 100

        func run() throws {
            if case .failure(let problem) = ACLRule.Topic.parse(topic) {
                throw ValidationError("--topic: \(problem.message)")
            }
            var bits = 0
            for level in qos.split(separator: ",") {
                guard let value = Int(level.trimmingCharacters(in: .whitespaces)), (0...2).contains(value) else {
                    throw ValidationError("--qos takes 0, 1 and 2, comma-separated")
                }
                bits |= 1 << value
            }
            let rule = StoredACLRule(
                subject: subject.subject, permission: permission.rawValue, action: action.rawValue, topic: topic, qos: bits,
                retain: retain.rawValue)
            let position = try store.open(create: true).addACLRule(rule, maxRules: maxRules)
            Console.note("added rule \(position) for \(subject.subject) in \(store.db)")
        }
    }

    /// `emqxctl acl delete`.
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a subject's rules (only those on --topic, when given).",
            discussion: """
                EXIT CODES
                  0 deleted; 1 no such rule; 64 bad usage
                """)

        @OptionGroup var subject: ACLSubjectOptions
        @OptionGroup var store: ACLStoreOptions

        @Option(help: "Only the rules on this topic, as written.")
        var topic: String?

        func run() throws {
            let count = try store.open(create: false).deleteACLRules(subject.subject, topic: topic)
            guard count > 0 else {
                Console.note("Error: no rule for \(subject.subject)\(topic.map { " on \($0)" } ?? "") in \(store.db)")
                throw ExitCode.failure
            }
            Console.note("deleted \(count) rule\(count == 1 ? "" : "s") of \(subject.subject)")
        }
    }

    /// `emqxctl acl list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the stored rules in the order they are asked.",
            discussion: """
                EXIT CODES
                  0 listed; 1 the store cannot be read; 64 bad usage
                """)

        enum Format: String, ExpressibleByArgument { case text, json }

        @OptionGroup var store: ACLStoreOptions

        @Option(help: "text or json.")
        var format: Format = .text

        func run() throws {
            let rules = try store.open(create: false).aclRules()
            switch format {
            case .json:
                Console.output(try JSONOutput.encode(rules))
            case .text:
                var text = ""
                for rule in rules {
                    let qos = (0...2).filter { rule.qos & (1 << $0) != 0 }.map(String.init).joined(separator: ",")
                    text +=
                        "\(rule.subject) #\(rule.position): \(rule.permission) \(rule.action) \(rule.topic) (qos \(qos)"
                        + (rule.action == "subscribe" || rule.retain == "all" ? "" : ", retain \(rule.retain)") + ")\n"
                }
                Console.output(text)
                Console.note("\(rules.count) rule\(rules.count == 1 ? "" : "s") in \(store.db)")
            }
        }
    }
}
