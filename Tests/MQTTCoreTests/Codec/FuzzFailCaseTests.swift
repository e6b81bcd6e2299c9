import Foundation
import MQTTCore
import NIOCore
import Testing

/// Replays every input that ever crashed the MQTT decoder fuzzer (FuzzTesting/FailCases/MQTT):
/// parsing must end in a packet or an error, and what parses must round-trip.
@Suite struct MQTTFuzzFailCaseTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzTesting/FailCases/MQTT")

    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()

    @Test func thereAreFailCases() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func replay(_ name: String) throws {
        var buffer = ByteBuffer(bytes: try Data(contentsOf: Self.folder.appendingPathComponent(name)))
        var parser = MQTTPacketParser(limits: MQTTDecoderLimits(maximumPacketSize: 4096))
        while let packet = try? parser.parse(&buffer), let version = parser.version {
            var encoded = ByteBuffer()
            MQTTPacketEncoder.encode(packet, version: version, into: &encoded)
            var again = MQTTPacketParser(version: version)
            if case .connect = packet { again = MQTTPacketParser() }
            #expect(try again.parse(&encoded) == packet, "\(packet.name)")
        }
    }
}
