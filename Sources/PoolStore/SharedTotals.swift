import Foundation
import PoolCore

/// The store's counters as they are now, for an instance to show cluster-wide totals (every instance's
/// flushed traffic) instead of its own: what `PoolStore.sharedTotals(keysChangedAfter:hoursSince:)` reads.
public struct SharedTotals: Sendable, Equatable {
    /// The store's revision these were read at: the next read asks for keys changed after it.
    public var revision: Int64
    /// Absolute counters of the keys whose statistics changed after the revision asked about.
    public var keyStats: [KeyStatsRecord]
    /// Every client token's request count, by token id.
    public var tokenCounts: [String: Int]
    public var globalStats: [GlobalStatsRecord]
    /// Model hours from the hour asked about on.
    public var modelHours: [ModelHourRecord]

    public init(
        revision: Int64, keyStats: [KeyStatsRecord] = [], tokenCounts: [String: Int] = [:],
        globalStats: [GlobalStatsRecord] = [], modelHours: [ModelHourRecord] = []
    ) {
        self.revision = revision
        self.keyStats = keyStats
        self.tokenCounts = tokenCounts
        self.globalStats = globalStats
        self.modelHours = modelHours
    }
}
