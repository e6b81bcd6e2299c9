import CFuzzerDriver
import ConfigModel

/// The acl.conf reader (Erlang terms, then rules) on arbitrary bytes: it must never crash, hang
/// or exhaust the stack, and every problem it reports carries a location.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let sink = DiagnosticSink()
    _ = ACLFile.parse(text, path: "acl.conf", keyPath: "authorization.sources.1.path", sink: sink)
    for diagnostic in sink.diagnostics { precondition(diagnostic.location != nil, "\(diagnostic)") }
    return 0
}

/// The entry SwiftPM's linker alias points `main` at (see CFuzzerDriver.h).
@_cdecl("FuzzACLFile_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzOneInput($0, $1) }
}
