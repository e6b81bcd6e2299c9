import CFuzzerDriver
import Foundation
import Stores

/// EMQX's user files (CSV and JSON, plain and hash) on arbitrary bytes: the parser must
/// never crash or hang, and every CSV refusal names a line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let data = Data(UnsafeBufferPointer(start: start, count: count))
    for kind in [UserImportFile.Kind.plain, .hash] {
        do {
            _ = try UserImportFile.parse(data, format: .csv, kind: kind, path: "fuzz.csv")
        } catch let error as StoreError {
            // An empty file has no line to name; every other refusal points at one.
            precondition(error.line != nil || error.reason.contains("header row"), "\(error)")
        } catch {
            preconditionFailure("not a StoreError: \(error)")
        }
        _ = try? UserImportFile.parse(data, format: .json, kind: kind, path: "fuzz.json")
    }
    return 0
}

/// The entry SwiftPM's linker alias points `main` at (see CFuzzerDriver.h).
@_cdecl("FuzzUserImportFile_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzOneInput($0, $1) }
}
