import Foundation

/// A token's usage as the admin API shows it: this minute and this quota period.
public struct TokenUsageSnapshot: Sendable, Equatable {
    public var minuteRequests: Int
    public var minuteTokens: Int
    public var period: QuotaPeriod
    public var periodRequests: Int
    public var periodTokens: Int
    /// When the quota period starts over; nil for `total`.
    public var periodResetsAt: Date?

    public init(
        minuteRequests: Int, minuteTokens: Int, period: QuotaPeriod, periodRequests: Int, periodTokens: Int,
        periodResetsAt: Date?
    ) {
        self.minuteRequests = minuteRequests
        self.minuteTokens = minuteTokens
        self.period = period
        self.periodRequests = periodRequests
        self.periodTokens = periodTokens
        self.periodResetsAt = periodResetsAt
    }
}

/// Usage counted since the last flush, for one UTC day: what the store adds to the token's row for that day.
public struct TokenUsageDelta: Sendable, Equatable {
    public var tokenID: String
    /// Start of the UTC day, in seconds since 1970.
    public var dayStart: Int64
    public var requests: Int
    public var tokens: Int

    public init(tokenID: String, dayStart: Int64, requests: Int, tokens: Int) {
        self.tokenID = tokenID
        self.dayStart = dayStart
        self.requests = requests
        self.tokens = tokens
    }
}

/// A token's stored usage at load: today, this month and in total, so any quota period starts from what was
/// used before the restart.
public struct TokenUsageTotals: Sendable, Equatable {
    public var tokenID: String
    public var dayStart: Int64
    public var dayRequests: Int
    public var dayTokens: Int
    public var monthStart: Int64
    public var monthRequests: Int
    public var monthTokens: Int
    public var totalRequests: Int
    public var totalTokens: Int

    public init(
        tokenID: String, dayStart: Int64, dayRequests: Int = 0, dayTokens: Int = 0, monthStart: Int64,
        monthRequests: Int = 0, monthTokens: Int = 0, totalRequests: Int = 0, totalTokens: Int = 0
    ) {
        self.tokenID = tokenID
        self.dayStart = dayStart
        self.dayRequests = dayRequests
        self.dayTokens = dayTokens
        self.monthStart = monthStart
        self.monthRequests = monthRequests
        self.monthTokens = monthTokens
        self.totalRequests = totalRequests
        self.totalTokens = totalTokens
    }
}
