import Foundation
import PoolCore

/// What traffic changed since the last flush. Counters are absolute values (the in-memory totals), so writing
/// the same batch twice is harmless.
public struct StatsBatch: Sendable {
    public var keyStats: [KeyStatsRecord]
    public var keyHealth: [KeyHealthRecord]
    /// Client token id and its total request count.
    public var tokenRequestCounts: [TokenCount]
    public var globalStats: [GlobalStatsRecord]
    public var modelHours: [ModelHourRecord]

    public init(
        keyStats: [KeyStatsRecord] = [], keyHealth: [KeyHealthRecord] = [], tokenRequestCounts: [TokenCount] = [],
        globalStats: [GlobalStatsRecord] = [], modelHours: [ModelHourRecord] = []
    ) {
        self.keyStats = keyStats
        self.keyHealth = keyHealth
        self.tokenRequestCounts = tokenRequestCounts
        self.globalStats = globalStats
        self.modelHours = modelHours
    }

    public var isEmpty: Bool {
        keyStats.isEmpty && keyHealth.isEmpty && tokenRequestCounts.isEmpty && globalStats.isEmpty
            && modelHours.isEmpty
    }
}

/// A client token's id and total request count.
public struct TokenCount: Sendable, Equatable {
    public var tokenID: String
    public var requestCount: Int

    public init(tokenID: String, requestCount: Int) {
        self.tokenID = tokenID
        self.requestCount = requestCount
    }
}
