import Foundation
import PoolCore
import PoolStore

/// The in-memory totals as of the last flush, so a flush can send increments: `now − baseline` per token,
/// provider and model hour. It starts as what the store held at load (the counters start there) and moves
/// forward at every flush. Tokens and hours never loaded or flushed count from zero. Per-key baselines live in
/// the pool's keys (`KeyPool.takeChangedStats` hands out increments), not here: a dictionary of 100,000 of them
/// cost more memory than the keys' own counters.
struct StatsBaseline: Sendable {
    private var tokens: [String: Int] = [:]
    private var totals: [ProviderID: GlobalStatsRecord] = [:]
    private var hours: [String: ModelHourRecord] = [:]

    init() {}

    /// Records what the snapshot holds besides the keys' statistics (the pool's keys keep those).
    mutating func load(from snapshot: StoreSnapshot) {
        for token in snapshot.tokens { tokens[token.id] = token.requestCount }
        for stats in snapshot.globalStats { totals[stats.provider] = stats }
        for hour in snapshot.modelHours { hours[StatsDeltas.hourKey(hour)] = hour }
    }

    /// The increments from the baseline to these in-memory totals (records that did not change are dropped);
    /// the totals become the new baseline.
    mutating func advance(
        tokenCounts: [(id: String, count: Int)], totals current: [GlobalStatsRecord], modelHours: [ModelHourRecord]
    ) -> (tokenCounts: [TokenCount], totals: [GlobalStatsRecord], hours: [ModelHourRecord]) {
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
        return (tokenDeltas, totalDeltas, hourDeltas)
    }

    /// What the store holds beyond this baseline (other instances' flushed counts), per provider and per hour
    /// key; only call it with no batch of this instance's unconfirmed.
    func others(in shared: SharedTotals) -> (totals: [ProviderID: GlobalStatsRecord], hours: [String: ModelHourRecord])
    {
        var totalsByProvider: [ProviderID: GlobalStatsRecord] = [:]
        for stored in shared.globalStats {
            totalsByProvider[stored.provider] = StatsDeltas.change(from: totals[stored.provider], to: stored)
        }
        var hoursByKey: [String: ModelHourRecord] = [:]
        for stored in shared.modelHours {
            let key = StatsDeltas.hourKey(stored)
            hoursByKey[key] = StatsDeltas.change(from: hours[key], to: stored)
        }
        return (totalsByProvider, hoursByKey)
    }
}
