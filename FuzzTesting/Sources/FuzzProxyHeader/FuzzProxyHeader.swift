import CFuzzerDriver
import ProxyProtocol

/// The PROXY protocol parser on arbitrary bytes, whole and cut at every length the fuzzer
/// picks: never a crash, a complete header never longer than what was given, and a complete
/// header stays complete (and the same) when more bytes follow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    switch ProxyHeaderParser.parse(bytes) {
    case .complete(let header, let length):
        precondition(length > 0 && length <= bytes.count, "length \(length) of \(bytes.count)")
        precondition(ProxyHeaderParser.parse(bytes + [0x10, 0x00]) == .complete(header, length: length), "more bytes changed the header")
    case .incomplete, .invalid:
        break
    }
    return 0
}

/// The entry SwiftPM's linker alias points `main` at (see CFuzzerDriver.h).
@_cdecl("FuzzProxyHeader_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzOneInput($0, $1) }
}
