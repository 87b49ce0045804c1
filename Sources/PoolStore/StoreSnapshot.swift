import Foundation
import PoolCore

/// Everything the gateway keeps across restarts, loaded once at start.
public struct StoreSnapshot: Sendable {
    public var keys: [KeyRecord]
    public var keyStats: [KeyStatsRecord]
    public var tokens: [ClientTokenRecord]
    public var globalStats: [GlobalStatsRecord]
    /// Model statistics of recent hours (the store may drop very old hours).
    public var modelHours: [ModelHourRecord]

    public init(
        keys: [KeyRecord] = [], keyStats: [KeyStatsRecord] = [], tokens: [ClientTokenRecord] = [],
        globalStats: [GlobalStatsRecord] = [], modelHours: [ModelHourRecord] = []
    ) {
        self.keys = keys
        self.keyStats = keyStats
        self.tokens = tokens
        self.globalStats = globalStats
        self.modelHours = modelHours
    }
}
