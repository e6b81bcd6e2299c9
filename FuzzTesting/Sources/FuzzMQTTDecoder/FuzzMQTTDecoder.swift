import CFuzzerDriver
import MQTTCore
import NIOCore

/// The MQTT parser on arbitrary bytes, as a server sees them (CONNECT first, then whatever
/// follows), with a small packet limit so size checks run too. It must never crash or hang,
/// and whatever it parses must encode and parse back to the same packet.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: start, count: count))
    var parser = MQTTPacketParser(limits: MQTTDecoderLimits(maximumPacketSize: 4096))
    while true {
        do {
            guard let packet = try parser.parse(&buffer), let version = parser.version else { return 0 }
            var encoded = ByteBuffer()
            MQTTPacketEncoder.encode(packet, version: version, into: &encoded)
            var again = MQTTPacketParser(limits: MQTTDecoderLimits(maximumPacketSize: 1 << 20), version: version)
            if case .connect = packet { again = MQTTPacketParser() }
            guard (try? again.parse(&encoded)) == packet else { fatalError("\(packet.name) does not round-trip") }
        } catch {
            return 0
        }
    }
}

/// The entry SwiftPM's linker alias points `main` at (see CFuzzerDriver.h).
@_cdecl("FuzzMQTTDecoder_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzOneInput($0, $1) }
}
