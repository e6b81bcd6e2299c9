public import Foundation

/// Dates as messages print them: always UTC, never the local zone, so output is the same on
/// every machine.
public enum UTCDate {
    /// `2027-01-31`.
    public static func day(_ date: Date) -> String { format(date, "yyyy-MM-dd") }

    /// `2027-01-31 12:00:00 UTC`.
    public static func time(_ date: Date) -> String { format(date, "yyyy-MM-dd HH:mm:ss 'UTC'") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
