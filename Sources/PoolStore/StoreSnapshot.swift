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
    /// Provider definitions the admin API stored (operators' providers and overrides of the built-ins).
    public var providers: [ProviderDefinition]

    public init(
        keys: [KeyRecord] = [], keyStats: [KeyStatsRecord] = [], tokens: [ClientTokenRecord] = [],
        globalStats: [GlobalStatsRecord] = [], modelHours: [ModelHourRecord] = [], providers: [ProviderDefinition] = []
    ) {
        self.keys = keys
        self.keyStats = keyStats
        self.tokens = tokens
        self.globalStats = globalStats
        self.modelHours = modelHours
        self.providers = providers
    }
}
