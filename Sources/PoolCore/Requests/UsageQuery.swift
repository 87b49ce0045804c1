import Foundation

/// What `GET /admin/usage` asks for: usage grouped by token, key or model in hour or day buckets over a time range.
public struct UsageQuery: Sendable, Equatable {
    public enum Grouping: String, Sendable, CaseIterable {
        case token
        case key
        case model
    }

    public enum Period: String, Sendable, CaseIterable {
        case hour
        case day

        public var seconds: Int { self == .hour ? 3600 : 86_400 }

        /// The start of the bucket that holds `date` (UTC).
        public func bucket(of date: Date) -> Date {
            let seconds = Double(self.seconds)
            return Date(timeIntervalSince1970: (date.timeIntervalSince1970 / seconds).rounded(.down) * seconds)
        }
    }

    /// The default range: this long before now.
    public static let defaultRange: TimeInterval = 7 * 86_400

    public var by: Grouping
    public var period: Period
    public var since: Date
    public var until: Date
    /// Only this provider's requests, when set.
    public var provider: ProviderID?

    public init(by: Grouping, period: Period, since: Date, until: Date, provider: ProviderID? = nil) {
        self.by = by
        self.period = period
        self.since = since
        self.until = until
        self.provider = provider
    }

    /// The filter that picks the records the summary counts.
    public var filter: RequestFilter { RequestFilter(provider: provider, since: since, until: until) }

    /// Reads `by` (default `token`), `period` (default `day`), `since` and `until` (default: the last 7 days up
    /// to `now`) and `provider`.
    public static func parse(_ parameters: [String: String], now: Date) throws(RequestQueryError) -> UsageQuery {
        let filter = try RequestListQuery.parseFilter(parameters)
        var by = Grouping.token
        if let text = parameters["by"], !text.isEmpty {
            guard let parsed = Grouping(rawValue: text.lowercased()) else {
                throw RequestQueryError("'by' must be one of token, key, model")
            }
            by = parsed
        }
        var period = Period.day
        if let text = parameters["period"], !text.isEmpty {
            guard let parsed = Period(rawValue: text.lowercased()) else {
                throw RequestQueryError("'period' must be hour or day")
            }
            period = parsed
        }
        let until = filter.until ?? now
        let since = filter.since ?? until.addingTimeInterval(-defaultRange)
        guard since <= until else { throw RequestQueryError("'since' is after 'until'") }
        return UsageQuery(by: by, period: period, since: since, until: until, provider: filter.provider)
    }
}
