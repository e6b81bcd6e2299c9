internal import COpenSSL
import Foundation

/// Conversions between OpenSSL's ASN1_TIME and `Date`.
enum ASN1TimeConversion {
    /// The moment an ASN1_TIME names, or nil when it is malformed.
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// Sets `time` (an ASN1_TIME that already exists) to `date`, using UTCTime before 2050 and
    /// GeneralizedTime from then on, as RFC 5280 requires.
    static func set(_ time: UnsafeMutablePointer<ASN1_TIME>?, to date: Date) throws {
        guard ASN1_TIME_set(time, time_t(date.timeIntervalSince1970.rounded(.down))) != nil else {
            throw OpenSSLErrorStack.error("cannot encode the time \(date)")
        }
    }

    /// A new ASN1_TIME for `date`; the caller frees it with `ASN1_TIME_free`.
    static func make(_ date: Date) throws -> UnsafeMutablePointer<ASN1_TIME> {
        guard let time = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970.rounded(.down))) else {
            throw OpenSSLErrorStack.error("cannot encode the time \(date)")
        }
        return time
    }
}
