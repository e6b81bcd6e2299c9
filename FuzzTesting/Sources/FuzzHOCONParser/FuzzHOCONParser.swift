import CFuzzerDriver
import ConfigModel

/// The whole config load path on arbitrary bytes (lexer, parser, resolver, decoding and value
/// rules). It must never crash, hang or exhaust the stack.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let loader = ConfigLoader(environment: ["EMQX_LISTENERS__TCP__DEFAULT__BIND": "1883"], fileSystem: NoFiles())
    _ = loader.load(text: text, path: "fuzz.conf")
    return 0
}

/// The entry SwiftPM's linker alias points `main` at (see CFuzzerDriver.h).
@_cdecl("FuzzHOCONParser_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzOneInput($0, $1) }
}

/// Includes read nothing while fuzzing, so runs stay fast and deterministic.
struct NoFiles: ConfigFileSystem {
    func contents(of path: String) throws -> String? { nil }
}
