import Foundation
import PoolCore
import PoolStore
import Synchronization

/// What other instances on the same database counted, as far as this one has read back from the store: the
/// store's totals minus what this instance knows it stored itself (`StatsBaseline`). Statistics answers add it to
/// this instance's own counters, so every instance shows the cluster's totals (the store's plus its unflushed
/// part) without a database read per request. Per-key counters take the others' share in directly
/// (`KeyPool.absorbStored`). Zero with one process on its own store: the numbers keep their meaning.
public final class StatsShared: Sendable {
    private struct Offsets {
        var totals: [ProviderID: GlobalStatsRecord] = [:]
        var hours: [String: ModelHourRecord] = [:]
        /// When the store was last read successfully.
        var refreshedAt: Date?
    }

    private let offsets = Mutex(Offsets())

    public init() {}

    /// `local` (this instance's counters) plus what other instances flushed.
    public func totals(provider: ProviderID, local: GlobalStatsRecord) -> GlobalStatsRecord {
        offsets.withLock { $0.totals[provider] }.map { StatsDeltas.adding($0, to: local) } ?? local
    }

    /// `local` (this instance's model hours of `provider`) plus other instances' in the same hours, and hours
    /// only they counted, from `since` on.
    public func modelHours(provider: ProviderID, since: Date, local: [ModelHourRecord]) -> [ModelHourRecord] {
        let from = Int(since.timeIntervalSince1970)
        var others = offsets.withLock { offsets in
            offsets.hours.filter { $0.value.provider == provider && $0.value.hourStart >= from }
        }
        guard !others.isEmpty else { return local }
        var merged: [ModelHourRecord] = []
        merged.reserveCapacity(local.count + others.count)
        for record in local {
            let key = StatsDeltas.hourKey(record)
            merged.append(others.removeValue(forKey: key).map { StatsDeltas.adding($0, to: record) } ?? record)
        }
        merged.append(contentsOf: others.values.filter { $0.requests != 0 })
        return merged.sorted { ($0.hourStart, $0.model) < ($1.hourStart, $1.model) }
    }

    /// When the store's totals were last read back, if ever.
    public var refreshedAt: Date? { offsets.withLock { $0.refreshedAt } }

    /// Replaces the others' share: totals, and the hours from `hoursSince` on (older hours keep theirs; hours
    /// before `oldest` are forgotten).
    func update(
        totals: [ProviderID: GlobalStatsRecord], hours: [String: ModelHourRecord], hoursSince: Int, oldest: Int,
        at now: Date
    ) {
        offsets.withLock { offsets in
            offsets.totals = totals.filter { $0.value != GlobalStatsRecord(provider: $0.key) }
            offsets.hours = offsets.hours.filter { $0.value.hourStart < hoursSince && $0.value.hourStart >= oldest }
            for (key, hour) in hours where hour.requests != 0 { offsets.hours[key] = hour }
            offsets.refreshedAt = now
        }
    }
}
