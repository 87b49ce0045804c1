import Foundation

/// Times as the request log's queries take and give them: ISO 8601 (UTC, with milliseconds when written) or Unix
/// seconds.
public enum RequestTime {
    /// `text` as a time: Unix seconds (`1765000000`, `1765000000.5`), or ISO 8601 with a zone (`2026-12-06T10:00:00Z`,
    /// with fractional seconds or an offset), or a bare date (`2026-12-06`, midnight UTC); nil when it is neither.
    public static func parse(_ text: String) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let seconds = Double(text),
            seconds.isFinite
        {
            return Date(timeIntervalSince1970: seconds)
        }
        for options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
            [.withFullDate] as ISO8601DateFormatter.Options,
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// `date` in UTC with milliseconds, e.g. `2026-12-06T10:00:00.123Z`.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// `date` in UTC to the second, e.g. `2026-12-06T00:00:00Z` (usage buckets).
    public static func formatSeconds(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
