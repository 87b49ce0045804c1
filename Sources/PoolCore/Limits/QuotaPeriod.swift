import Foundation

/// The period a token's quotas count over. Day and month start at midnight UTC; `total` never resets.
public enum QuotaPeriod: String, Sendable, Codable, CaseIterable {
    case day
    case month
    case total

    /// The period containing `time`: its start and its end (the next start), in whole UTC seconds. `total` is
    /// one period from the epoch to `Int64.max`.
    public func bounds(containing time: Date) -> (start: Int64, end: Int64) {
        let seconds = Int64(time.timeIntervalSince1970.rounded(.down))
        switch self {
        case .total:
            return (0, Int64.max)
        case .day:
            let start = Self.floorDivide(seconds, 86_400) * 86_400
            return (start, start + 86_400)
        case .month:
            let days = Self.floorDivide(seconds, 86_400)
            let (year, month, _) = Self.civil(fromDays: days)
            let start = Self.days(year: year, month: month, day: 1) * 86_400
            let (nextYear, nextMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
            return (start, Self.days(year: nextYear, month: nextMonth, day: 1) * 86_400)
        }
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`): no Calendar, no
    /// allocation, the same answer on every platform.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day count since 1970-01-01 (`civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
