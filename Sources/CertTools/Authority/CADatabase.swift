public import Foundation

/// The CA's record of what it issued and revoked, kept in `openssl ca`'s index.txt format so
/// that `openssl ocsp -index index.txt` can answer for it directly.
///
/// Each line is six tab-separated fields: status (`V` valid, `R` revoked, `E` expired),
/// expiry time, revocation time with an optional `,reason`, serial (upper-case hex),
/// file name (always `unknown`), and the subject in `/C=…/CN=…` form.
public struct CADatabase: Sendable {
    public struct Record: Sendable, Hashable {
        public var serialNumber: SerialNumber
        public var subject: String
        public var notAfter: Date
        public var revocation: Revocation?

        public struct Revocation: Sendable, Hashable {
            public var date: Date
            public var reason: RevocationReason?
        }
    }

    public private(set) var records: [Record]

    public init(records: [Record] = []) { self.records = records }

    /// Parses index.txt; errors name the line.
    public init(parsing text: String, path: String) throws {
        var records: [Record] = []
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated()
        where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            func bad(_ why: String) -> CertToolsError {
                CertToolsError(.invalidCAFolder, "line \(offset + 1): \(why)", path: path)
            }
            guard fields.count == 6 else { throw bad("expected 6 tab-separated fields, found \(fields.count)") }
            guard let expiry = Self.parseTime(fields[1]) else { throw bad("\"\(fields[1])\" is not a time") }
            let serial: SerialNumber
            do { serial = try SerialNumber(hex: fields[3]) } catch { throw bad("\"\(fields[3])\" is not a serial number") }
            var revocation: Record.Revocation?
            switch fields[0] {
            case "V", "E":
                break
            case "R":
                let parts = fields[2].split(separator: ",", maxSplits: 1).map(String.init)
                guard let date = parts.first.flatMap(Self.parseTime) else { throw bad("revoked without a revocation time") }
                let reason = try parts.count > 1 ? RevocationReason(parsing: parts[1]) : nil
                revocation = Record.Revocation(date: date, reason: reason)
            default:
                throw bad("status \"\(fields[0])\" is not V, R or E")
            }
            records.append(Record(serialNumber: serial, subject: fields[5], notAfter: expiry, revocation: revocation))
        }
        self.records = records
    }

    /// The index.txt text.
    public var rendered: String {
        records.map { record in
            let status = record.revocation == nil ? "V" : "R"
            let revoked =
                record.revocation.map { revocation in
                    Self.formatTime(revocation.date) + (revocation.reason.map { ",\($0.rawValue)" } ?? "")
                } ?? ""
            return [status, Self.formatTime(record.notAfter), revoked, record.serialNumber.hex, "unknown", record.subject]
                .joined(separator: "\t") + "\n"
        }.joined()
    }

    public func record(for serial: SerialNumber) -> Record? { records.first { $0.serialNumber == serial } }

    mutating func add(_ certificate: Certificate) {
        records.append(
            Record(
                serialNumber: certificate.serialNumber, subject: certificate.subject.slashForm,
                notAfter: certificate.notAfter, revocation: nil))
    }

    mutating func revoke(_ serial: SerialNumber, reason: RevocationReason?, at date: Date) throws {
        guard let index = records.firstIndex(where: { $0.serialNumber == serial }) else {
            throw CertToolsError(.invalidArgument, "serial \(serial) was not issued by this CA (it is not in index.txt)")
        }
        if let existing = records[index].revocation {
            throw CertToolsError(
                .invalidArgument, "serial \(serial) was already revoked on \(ISO8601DateFormatter().string(from: existing.date))")
        }
        records[index].revocation = Record.Revocation(date: date, reason: reason)
    }

    /// The revoked certificates, for a CRL.
    public var revoked: [RevokedCertificate] {
        records.compactMap { record in
            record.revocation.map { RevokedCertificate(serialNumber: record.serialNumber, revocationDate: $0.date, reason: $0.reason) }
        }
    }

    // MARK: ASN.1 time strings (UTCTime before 2050, GeneralizedTime after, both in UTC)

    static func formatTime(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        let yearText = year < 2050 ? pad(year % 100, 2) : pad(year, 4)
        return yearText
            + [Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)]
            .map { pad($0, 2) }.joined() + "Z"
    }

    static func parseTime(_ text: String) -> Date? {
        guard text.hasSuffix("Z"), text.dropLast().allSatisfy(\.isNumber) else { return nil }
        let digits = Array(text.dropLast())
        let yearLength: Int
        switch digits.count {
        case 12: yearLength = 2
        case 14: yearLength = 4
        default: return nil
        }
        func number(_ start: Int, _ length: Int) -> Int32 { Int32(String(digits[start..<start + length]))! }
        var year = Int(number(0, yearLength))
        if yearLength == 2 { year += year < 50 ? 2000 : 1900 }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = number(yearLength, 2) - 1
        parts.tm_mday = number(yearLength + 2, 2)
        parts.tm_hour = number(yearLength + 4, 2)
        parts.tm_min = number(yearLength + 6, 2)
        parts.tm_sec = number(yearLength + 8, 2)
        guard (0...11).contains(parts.tm_mon), (1...31).contains(parts.tm_mday), parts.tm_hour < 24, parts.tm_min < 60,
            parts.tm_sec < 61
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
