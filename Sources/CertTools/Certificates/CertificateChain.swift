/// Checks on the order of a served chain: RFC 8446 §4.4.2 wants the leaf first and each
/// following certificate to certify the one before it. Servers send `certfile` as it is, so a
/// wrong order there becomes "unknown ca" at the client (user-needs #1).
public enum CertificateChain {
    /// A problem with the order of a chain file, naming certificates by 1-based position.
    public struct OrderProblem: Sendable, Hashable, CustomStringConvertible {
        public let position: Int
        public let description: String
    }

    /// The order problems of `certificates` read as a chain, empty when the order is right.
    ///
    /// A single certificate, or certificates that are unrelated to each other (a CA bundle),
    /// have no order problems. Only a set that forms one chain in some other order does.
    public static func orderProblems(_ certificates: [Certificate]) -> [OrderProblem] {
        guard certificates.count > 1 else { return [] }
        var problems: [OrderProblem] = []
        for index in 0..<(certificates.count - 1) where !certificates[index].isIssued(by: certificates[index + 1]) {
            let next = certificates[index + 1]
            let current = certificates[index]
            if current.isIssued(by: next) == false, next.isIssued(by: current) {
                problems.append(
                    OrderProblem(
                        position: index + 2,
                        description:
                            "certificate \(index + 2) (\(next.subject)) was issued by certificate \(index + 1) (\(current.subject)), so it must come before it"
                    )
                )
            } else if current.isSelfSigned {
                problems.append(
                    OrderProblem(
                        position: index + 1,
                        description: "certificate \(index + 1) (\(current.subject)) is a self-signed root but is not last"
                    )
                )
            } else {
                problems.append(
                    OrderProblem(
                        position: index + 2,
                        description:
                            "certificate \(index + 2) (\(next.subject)) did not issue certificate \(index + 1) (\(current.subject))"
                    )
                )
            }
        }
        return sortedLeafFirst(certificates) == nil ? [] : problems
    }

    /// The same certificates ordered leaf first, each followed by its issuer, when they form
    /// exactly one chain; nil otherwise (a bundle of unrelated CAs, or a gap).
    public static func sortedLeafFirst(_ certificates: [Certificate]) -> [Certificate]? {
        let leaves = certificates.filter { candidate in
            !certificates.contains { other in other !== candidate && other.isIssued(by: candidate) }
        }
        guard leaves.count == 1, var current = leaves.first else { return nil }
        var ordered = [current]
        while ordered.count < certificates.count {
            guard
                let issuer = certificates.first(where: { candidate in
                    !ordered.contains { $0 === candidate } && current.isIssued(by: candidate)
                })
            else { return nil }
            ordered.append(issuer)
            current = issuer
        }
        return ordered
    }
}
