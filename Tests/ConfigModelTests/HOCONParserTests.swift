import ConfigModel
import Testing

/// The HOCON syntax that real emqx.conf files use, read through the public loader.
@Suite struct HOCONParserTests {
    func tree(_ text: String, environment: [String: String] = [:]) -> (HOCONObject, [Diagnostic]) {
        let (tree, diagnostics) = ConfigLoader(environment: environment).loadTree(text: text, path: "test.conf")
        return (tree.object ?? HOCONObject(), diagnostics)
    }

    func text(_ object: HOCONObject, _ path: String) -> String? {
        object.value(at: path.split(separator: ".").map(String.init))?.scalarText
    }

    @Test func bracesDottedKeysAndSeparatorsAllMeanTheSame() {
        let (object, diagnostics) = tree(
            """
            a.b.c = 1
            a { b { d: 2 } }
            a.b { e = "three" }
            x: { y = true }
            """
        )
        #expect(diagnostics.isEmpty)
        #expect(text(object, "a.b.c") == "1")
        #expect(text(object, "a.b.d") == "2")
        #expect(text(object, "a.b.e") == "three")
        #expect(text(object, "x.y") == "true")
        #expect(object.keys == ["a", "x"])
    }

    @Test func rootMayBeInBraces() {
        let (object, diagnostics) = tree("{\n  node.name = \"emqx@127.0.0.1\"\n}\n")
        #expect(diagnostics.isEmpty)
        #expect(text(object, "node.name") == "emqx@127.0.0.1")
    }

    @Test func laterValueWinsAndObjectsMergeDeeply() {
        let (object, _) = tree(
            """
            listeners.ssl.default { bind = "0.0.0.0:8883", ssl_options { verify = verify_none, depth = 10 } }
            listeners.ssl.default.ssl_options.verify = verify_peer
            listeners.ssl.default.bind = 8884
            a = 1
            a = { now = "an object" }
            """
        )
        #expect(text(object, "listeners.ssl.default.ssl_options.verify") == "verify_peer")
        #expect(text(object, "listeners.ssl.default.ssl_options.depth") == "10")
        #expect(text(object, "listeners.ssl.default.bind") == "8884")
        #expect(text(object, "a.now") == "an object")
    }

    @Test func scalarsKeepTheirTypes() {
        let (object, _) = tree(
            """
            n = 8883
            f = -1.5
            s = "8883"
            t = true
            u = verify_peer
            z = null
            d = 15s
            b = 4KB
            """
        )
        func kind(_ key: String) -> String { object[key]!.kindName }
        #expect(kind("n") == "a number")
        #expect(kind("f") == "a number")
        #expect(kind("s") == "a string")
        #expect(kind("t") == "a boolean")
        #expect(kind("u") == "a string")
        #expect(kind("z") == "null")
        #expect(text(object, "d") == "15s")
        #expect(text(object, "b") == "4KB")
    }

    @Test func stringsQuotedUnquotedAndTripleQuoted() {
        let (object, diagnostics) = tree(
            #"""
            a = "tab\tnewline\nquote\" unicode \u00e9"
            b = foo bar   baz
            c = """raw "quotes" and \n stay
            across lines"""
            """#
        )
        #expect(diagnostics.isEmpty)
        #expect(text(object, "a") == "tab\tnewline\nquote\" unicode é")
        #expect(text(object, "b") == "foo bar   baz")
        #expect(text(object, "c") == "raw \"quotes\" and \\n stay\nacross lines")
    }

    @Test func arraysWithCommasNewlinesAndTrailingCommas() {
        let (object, diagnostics) = tree(
            """
            versions = ["tlsv1.3", "tlsv1.2",]
            rules = [
              "allow 10.0.0.0/8"
              "deny all"
            ]
            nested = [[1, 2], {a = 1}]
            """
        )
        #expect(diagnostics.isEmpty)
        guard case .array(let versions) = object["versions"]?.kind, case .array(let rules) = object["rules"]?.kind,
            case .array(let nested) = object["nested"]?.kind
        else {
            Issue.record("not arrays")
            return
        }
        #expect(versions.compactMap(\.scalarText) == ["tlsv1.3", "tlsv1.2"])
        #expect(rules.compactMap(\.scalarText) == ["allow 10.0.0.0/8", "deny all"])
        #expect(nested.count == 2)
        #expect(nested[1].object?["a"]?.scalarText == "1")
    }

    @Test func commentsBothStyles() {
        let (object, diagnostics) = tree(
            """
            # a comment
            a = 1 # after a value
            // another
            b = "# not a comment" // but this is
            url = "http://x.example/path"
            """
        )
        #expect(diagnostics.isEmpty)
        #expect(object.keys == ["a", "b", "url"])
        #expect(text(object, "b") == "# not a comment")
    }

    @Test func substitutionsAndConcatenation() {
        let (object, diagnostics) = tree(
            """
            base = "/etc/emqx"
            certs = ${base}"/certs"
            port = 8883
            bind = "0.0.0.0:"${port}
            copy = ${listeners}
            listeners { a = 1 }
            maybe = ${?not.defined}
            home = ${HOME}/x
            """,
            environment: ["HOME": "/root"]
        )
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(text(object, "certs") == "/etc/emqx/certs")
        #expect(text(object, "bind") == "0.0.0.0:8883")
        #expect(text(object, "copy.a") == "1")
        #expect(object["maybe"] == nil)
        #expect(text(object, "home") == "/root/x")
    }

    @Test func undefinedAndCyclicSubstitutionsAreLocated() {
        let (_, diagnostics) = tree("a = ${nope}\nb = ${c}\nc = ${b}\n")
        let rendered = DiagnosticRenderer.render(diagnostics)
        #expect(rendered.contains("test.conf:1:5: error[hocon-substitution]: ${nope} is not defined in the config or the environment"))
        #expect(rendered.contains("test.conf:3:5: error[hocon-substitution]: ${b} refers back to itself through a cycle of substitutions"))
        #expect(diagnostics.count == 2)
    }

    @Test func appendWithPlusEquals() {
        let (object, _) = tree("a = [1]\na += 2\nb += x\n")
        guard case .array(let a) = object["a"]?.kind, case .array(let b) = object["b"]?.kind else {
            Issue.record("not arrays")
            return
        }
        #expect(a.compactMap(\.scalarText) == ["1", "2"])
        #expect(b.compactMap(\.scalarText) == ["x"])
    }

    @Test func environmentOverridesParseAsHOCONAndKeepTheirOrigin() {
        let (object, diagnostics) = tree(
            "listeners.ssl.default.bind = \"0.0.0.0:8883\"\n",
            environment: [
                "EMQX_LISTENERS__SSL__DEFAULT__BIND": "\"127.0.0.1:9883\"",
                "EMQX_LISTENERS__SSL__default__SSL_OPTIONS__VERSIONS": "[\"tlsv1.3\"]",
                "EMQX_NODE__NAME": "emqx@host",
                "EMQX_LISTENERS__TCP__DEFAULT__BIND": "127.0.0.1:1883",  // unquoted: not HOCON, kept as text
                "EMQX_ETC_DIR": "/etc/emqx",  // not an override
                "EMQX_NOT_A_ROOT__X": "1",
            ]
        )
        #expect(diagnostics.isEmpty)
        #expect(text(object, "listeners.ssl.default.bind") == "127.0.0.1:9883")
        #expect(object.value(at: ["listeners", "ssl", "default", "bind"])?.location.file == "env EMQX_LISTENERS__SSL__DEFAULT__BIND")
        guard case .array(let versions) = object.value(at: ["listeners", "ssl", "default", "ssl_options", "versions"])?.kind else {
            Issue.record("versions is not an array")
            return
        }
        #expect(versions.compactMap(\.scalarText) == ["tlsv1.3"])
        #expect(text(object, "node.name") == "emqx@host")
        #expect(text(object, "listeners.tcp.default.bind") == "127.0.0.1:1883")
        #expect(object["etc_dir"] == nil && object["not_a_root"] == nil)
    }

    @Test func locationsCountLinesAndUnicodeColumns() {
        let (object, _) = tree("# ünïcödé\n  naïve.key   =   \"välue\"\n")
        let value = object.value(at: ["naïve", "key"])
        #expect(value?.location.line == 2)
        #expect(value?.location.column == 19)
        #expect(object["naïve"]?.object?.keyLocation("key")?.column == 9)
    }

    @Test func threeMistakesGiveThreeDiagnosticsAndTheRestStillParses() {
        let (object, diagnostics) = tree(
            """
            good.one = 1
            bind = 0.0.0.0:8883
            broken = "no closing quote
            good.two = 2
            listeners.ssl.default {
              ssl_options.versions [tlsv1.2]
              ok = yes
            }
            oops
            good.three = 3
            """
        )
        #expect(
            DiagnosticRenderer.sorted(diagnostics).filter { $0.severity == .error }.map(\.location!.line) == [2, 3, 6, 9],
            "\(DiagnosticRenderer.render(diagnostics))")
        #expect(text(object, "good.one") == "1")
        #expect(text(object, "good.two") == "2")
        #expect(text(object, "good.three") == "3")
        #expect(text(object, "listeners.ssl.default.ok") == "yes")
        let rendered = DiagnosticRenderer.render(diagnostics)
        #expect(rendered.contains("test.conf:2:15: error[hocon-syntax]: \":\" and \"=\" cannot appear in an unquoted value; quote it"))
        #expect(rendered.contains("test.conf:3:10: error[hocon-syntax]: this string has no closing quote"))
    }

    @Test func unclosedBracesAndBracketsNameWhereTheyOpened() {
        let (_, diagnostics) = tree("a {\n  b = [1, 2\n")
        let rendered = DiagnosticRenderer.render(diagnostics)
        #expect(rendered.contains("the [ opened at line 2, column 7 is never closed"), "\(rendered)")
        #expect(rendered.contains("the { opened at line 1, column 3 is never closed"), "\(rendered)")
    }

    @Test func badEscapesAndForbiddenCharactersAreReported() {
        let (_, diagnostics) = tree("a = \"C:\\path\"\nb = `tick`\n")
        let rendered = DiagnosticRenderer.render(diagnostics)
        #expect(rendered.contains("test.conf:1:8: error[hocon-syntax]: \"\\p\" is not a valid escape"), "\(rendered)")
        #expect(rendered.contains("test.conf:2:5: error[hocon-syntax]: \"`\" is not allowed here"), "\(rendered)")
    }
}

/// A reload asks whether a block changed, not whether it moved.
@Suite struct HOCONSameContentTests {
    func tree(_ text: String) throws -> HOCONValue {
        ConfigLoader(environment: [:]).load(text: text, path: "emqx.conf").tree
    }

    @Test func movedIsTheSameChangedIsNot() throws {
        let before = try tree("a = 1\nauthentication = [{ mechanism = password_based, backend = http, url = \"http://x\" }]\n")
        let moved = try tree(
            "\n\n# a comment\na = 2\nauthentication = [\n  { mechanism = password_based, backend = http, url = \"http://x\" }\n]\n")
        let changed = try tree("a = 1\nauthentication = [{ mechanism = password_based, backend = http, url = \"http://y\" }]\n")
        let auth = { (value: HOCONValue) in value.object!["authentication"]! }
        #expect(auth(before).hasSameContent(as: auth(moved)))
        #expect(!auth(before).hasSameContent(as: auth(changed)))
        #expect(!before.hasSameContent(as: moved), "a = 1 and a = 2 are different")
    }
}
