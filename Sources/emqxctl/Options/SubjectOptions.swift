import ArgumentParser
import CertTools

/// Subject fields shared by every certificate a command makes.
struct SubjectOptions: ParsableArguments {
    @Option(name: .customLong("org"), help: "Organization (O).")
    var organization: String?

    @Option(name: .customLong("org-unit"), help: "Organizational unit (OU).")
    var organizationalUnit: String?

    @Option(help: "Locality (L).")
    var locality: String?

    @Option(name: .customLong("state"), help: "State or province (ST).")
    var stateOrProvince: String?

    @Option(help: "Two-letter country code (C).")
    var country: String?

    func validate() throws {
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw ValidationError("--country must be a two-letter code such as SE or US, not \"\(country)\"")
        }
    }

    func apply(to blueprint: inout PKIBlueprint) {
        blueprint.organization = organization
        blueprint.organizationalUnit = organizationalUnit
        blueprint.locality = locality
        blueprint.stateOrProvince = stateOrProvince
        blueprint.country = country?.uppercased()
    }
}

/// --san, repeatable, each value classified as DNS, IP, URI or email.
struct SANOptions: ParsableArguments {
    @Option(
        name: .customLong("san"),
        help: ArgumentHelp(
            "A subjectAltName; repeat for more. Classified as IP, URI, email or DNS (or force with DNS:, IP:, URI:, email:).",
            valueName: "name"
        )
    )
    var names: [String] = []

    func parsed() throws -> [SubjectAlternativeName] {
        var result: [SubjectAlternativeName] = []
        for name in names {
            let parsed = try SubjectAlternativeName(classifying: name)
            if !result.contains(parsed) { result.append(parsed) }
        }
        return result
    }
}
