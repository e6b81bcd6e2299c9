import ConfigModel
import Testing

@Suite struct DiagnosticRendererTests {
    static let file = "etc/emqx.conf"

    @Test func rendersPlaceSeverityKeyMessageCodeAndHint() {
        let diagnostic = Diagnostic(
            "tls-version-unknown", .error, at: SourceLocation(file: Self.file, line: 12, column: 27),
            keyPath: "listeners.ssl.default.ssl_options.versions", "\"tlsv1.4\" is not a TLS version",
            hint: "use tlsv1.3, tlsv1.2, tlsv1.1 or tlsv1"
        )
        #expect(
            DiagnosticRenderer.render(diagnostic) == """
                etc/emqx.conf:12:27: error[tls-version-unknown]: listeners.ssl.default.ssl_options.versions: "tlsv1.4" is not a TLS version
                  hint: use tlsv1.3, tlsv1.2, tlsv1.1 or tlsv1

                """)
    }

    @Test func ordersByPlaceThenSeverityAndPutsUnlocatedLast() {
        let at = { (line: Int, column: Int) in SourceLocation(file: Self.file, line: line, column: column) }
        let diagnostics = [
            Diagnostic("root-not-checked", .note, at: nil, "the root \"dashboard\" is not checked"),
            Diagnostic("b", .warning, at: at(3, 1), "second"),
            Diagnostic("a", .error, at: at(3, 1), "first"),
            Diagnostic("c", .error, at: at(1, 9), "zeroth"),
            Diagnostic("d", .error, at: SourceLocation(file: "a.conf", line: 40, column: 1), "included file"),
        ]
        let order = DiagnosticRenderer.sorted(diagnostics).map(\.message)
        #expect(order == ["included file", "zeroth", "first", "second", "the root \"dashboard\" is not checked"])
        #expect(
            DiagnosticRenderer.render(diagnostics).split(separator: "\n").last
                == "note[root-not-checked]: the root \"dashboard\" is not checked")
        #expect(DiagnosticRenderer.summary(diagnostics) == "3 errors, 1 warning")
        #expect(DiagnosticRenderer.summary([]) == "0 errors, 0 warnings")
    }
}
