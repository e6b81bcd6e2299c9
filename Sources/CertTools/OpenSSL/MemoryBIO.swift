internal import COpenSSL
internal import COpenSSLShims

/// Memory BIOs for handing bytes to OpenSSL and getting bytes back.
enum MemoryBIO {
    /// Runs `body` with a writable memory BIO and returns what it wrote.
    static func collect(_ body: (OpaquePointer) throws -> Void) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLErrorStack.error("cannot allocate a memory BIO") }
        defer { BIO_free(bio) }
        try body(bio)
        var data: UnsafeMutablePointer<CChar>?
        let count = COpenSSLShims_BIO_get_mem_data(bio, &data)
        guard count > 0, let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// `collect`, decoded as UTF-8 (PEM and OpenSSL's printers write ASCII).
    static func collectString(_ body: (OpaquePointer) throws -> Void) throws -> String {
        String(decoding: try collect(body), as: UTF8.self)
    }

    /// Runs `body` with a read-only memory BIO over `bytes`. The BIO does not copy, so it must
    /// not escape `body`.
    static func reading<R>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> R) throws -> R {
        try bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                throw OpenSSLErrorStack.error("cannot allocate a memory BIO")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }
}
