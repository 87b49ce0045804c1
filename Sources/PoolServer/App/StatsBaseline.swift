import Foundation
import PoolCore
import PoolStore

/// The in-memory totals as of the last flush, so a flush can send increments: `now − baseline` per key, token,
/// provider and model hour. It starts as what the store held at load (the pool's counters start there) and
/// moves forward at every flush. Keys, tokens and hours never loaded or flushed count from zero.
struct StatsBaseline: Sendable {
    /// Per-key counters; dates are not needed (a batch carries the latest ones).
    private var keys: [String: KeyStatsRecord] = [:]
    private var tokens: [String: Int] = [:]
    private var totals: [ProviderID: GlobalStatsRecord] = [:]
    private var hours: [String: ModelHourRecord] = [:]

    init() {}

    /// Records what the snapshot holds besides the keys' statistics (those arrive in batches: `addLoaded`).
    mutating func loadRest(from snapshot: StoreSnapshot) {
        addLoaded(snapshot.keyStats)
        for token in snapshot.tokens { tokens[token.id] = token.requestCount }
        for stats in snapshot.globalStats { totals[stats.provider] = stats }
        for hour in snapshot.modelHours { hours[StatsDeltas.hourKey(hour)] = hour }
    }

    /// Records the loaded statistics of a batch of keys.
    mutating func addLoaded(_ stats: [KeyStatsRecord]) {
        for record in stats { keys[record.keyID] = record }
    }

    /// The increments from the baseline to these in-memory totals (records that did not change are dropped);
    /// the totals become the new baseline.
    mutating func advance(
        keyStats: [KeyStatsRecord], tokenCounts: [(id: String, count: Int)], totals current: [GlobalStatsRecord],
        modelHours: [ModelHourRecord]
    ) -> (keyStats: [KeyStatsRecord], tokenCounts: [TokenCount], totals: [GlobalStatsRecord], hours: [ModelHourRecord])
    {
        var keyDeltas: [KeyStatsRecord] = []
        for record in keyStats {
            let delta = StatsDeltas.change(from: keys[record.keyID], to: record)
            keys[record.keyID] = record
            // Dates alone (no counter moved) still go: they say when the key was last used.
            keyDeltas.append(delta)
        }
        var tokenDeltas: [TokenCount] = []
        for (id, count) in tokenCounts {
            let delta = count - (tokens[id] ?? 0)
            tokens[id] = count
            if delta != 0 { tokenDeltas.append(TokenCount(tokenID: id, requestCount: delta)) }
        }
        var totalDeltas: [GlobalStatsRecord] = []
        for record in current {
            let delta = StatsDeltas.change(from: totals[record.provider], to: record)
            totals[record.provider] = record
            if delta.requests != 0 || !delta.refusals.isEmpty || delta.failures != 0 { totalDeltas.append(delta) }
        }
        var hourDeltas: [ModelHourRecord] = []
        for record in modelHours {
            let key = StatsDeltas.hourKey(record)
            let delta = StatsDeltas.change(from: hours[key], to: record)
            hours[key] = record
            if delta.requests != 0 { hourDeltas.append(delta) }
        }
        return (keyDeltas, tokenDeltas, totalDeltas, hourDeltas)
    }
}
