import ConfigModel
import NIOCore
import Testing

@testable import BrokerRuntime

/// permessage-deflate's negotiation (RFC 7692 §7.1), a pure function of the client's offers
/// and deflate_opts, and the codec's round trip through zlib.
struct PerMessageDeflateTests {
    func agree(_ offers: [String], _ options: DeflateOptions = DeflateOptions()) -> String? {
        PerMessageDeflate.negotiate(offers, options: options)?.responseHeader
    }

    @Test func whatBrowsersAndLibrariesOffer() {
        // Chromium and Firefox.
        #expect(agree(["permessage-deflate; client_max_window_bits"]) == "permessage-deflate")
        // Python's websockets.
        #expect(
            agree(["permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"])
                == "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12")
        #expect(agree(["x-webkit-deflate-frame"]) == nil, "other extensions are not agreed")
        #expect(agree([]) == nil)
    }

    @Test func theClientsAsksAreHonoured() {
        let agreed = PerMessageDeflate.negotiate(
            ["permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10"],
            options: DeflateOptions())
        #expect(
            agreed
                == PerMessageDeflate(
                    serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: nil))
        #expect(
            agreed?.responseHeader
                == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10")
    }

    @Test func deflateOptsShapeTheAnswer() {
        var options = DeflateOptions()
        options.serverContextTakeover = false
        options.clientContextTakeover = false
        options.serverMaxWindowBits = 11
        options.clientMaxWindowBits = 10
        #expect(
            agree(["permessage-deflate; client_max_window_bits"], options)
                == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=10"
        )
        // client_max_window_bits is said only to a client that offered to hear it.
        #expect(
            agree(["permessage-deflate"], options)
                == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11")
        // The smaller of the client's and ours.
        #expect(
            agree(["permessage-deflate; server_max_window_bits=9; client_max_window_bits=12"], options)
                == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10"
        )
    }

    @Test func badOffersAreDeclinedAndTheNextOneTried() {
        for bad in [
            "permessage-deflate; server_max_window_bits=8",  // zlib cannot compress with 8
            "permessage-deflate; server_max_window_bits=16", "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits=7", "permessage-deflate; unknown_parameter",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover=1",
        ] {
            #expect(agree([bad]) == nil, "\(bad)")
            #expect(agree([bad + ", permessage-deflate"]) == "permessage-deflate", "the fallback after \(bad)")
        }
        #expect(
            agree(["permessage-deflate; server_max_window_bits=\"10\""]) == "permessage-deflate; server_max_window_bits=10",
            "a quoted value")
    }

    @Test func codecRoundTripsThroughZlib() throws {
        let allocator = ByteBufferAllocator()
        for agreed in [
            PerMessageDeflate(
                serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: nil),
            PerMessageDeflate(
                serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: nil),
        ] {
            // The broker's own output, fed back through a codec that plays the client.
            let broker = try DeflateCodec(agreed, options: DeflateOptions())
            let peer = try DeflateCodec(agreed, options: DeflateOptions())
            for text in ["hello", String(repeating: "temperature=21.5;", count: 5000), "", "hello"] {
                let deflated = try broker.deflate(ByteBuffer(string: text), headroom: 10, allocator: allocator)
                #expect(deflated.readerIndex == 10, "room for the frame header")
                var inflated = ByteBuffer()
                try peer.inflate(deflated, messageEnd: true, allocator: allocator) { chunk in
                    var chunk = chunk
                    #expect(chunk.readableBytes <= DeflateCodec.chunkSize)
                    inflated.writeBuffer(&chunk)
                    return true
                }
                #expect(String(buffer: inflated) == text)
            }
        }
    }

    /// deflate_opts' level and strategy reach zlib: no compression stores the bytes (a little
    /// larger than they came), Huffman codes alone do less than the default's string matching.
    @Test func levelAndStrategyReachZlib() throws {
        let allocator = ByteBufferAllocator()
        let agreed = PerMessageDeflate(
            serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: nil)
        let text = ByteBuffer(string: String(repeating: "temperature=21.5;humidity=40;", count: 400))
        func size(_ change: (inout DeflateOptions) -> Void) throws -> Int {
            var options = DeflateOptions()
            change(&options)
            return try DeflateCodec(agreed, options: options).deflate(text, headroom: 0, allocator: allocator).readableBytes
        }
        let stored = try size { $0.level = .none }
        let huffman = try size { $0.strategy = .huffman_only }
        let standard = try size { _ in }
        #expect(stored >= text.readableBytes, "level none: \(stored) of \(text.readableBytes)")
        #expect(standard < huffman && huffman < stored, "default \(standard), huffman_only \(huffman), none \(stored)")
    }

    @Test func inflationStopsWhenTheReaderDoes() throws {
        let allocator = ByteBufferAllocator()
        let agreed = PerMessageDeflate(
            serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: nil)
        let bomb = try DeflateCodec(agreed, options: DeflateOptions()).deflate(
            ByteBuffer(repeating: 0, count: 8 << 20), headroom: 0, allocator: allocator)
        #expect(bomb.readableBytes < 20_000)
        var chunks = 0
        try DeflateCodec(agreed, options: DeflateOptions()).inflate(bomb, messageEnd: true, allocator: allocator) { _ in
            chunks += 1
            return chunks < 3
        }
        #expect(chunks == 3, "8 MB of zeros is not inflated past the chunk that was refused")
    }
}
