import Foundation
import Synchronization

/// Gateway-wide request counters per provider and per model per hour, updated on the request path
/// without a global lock (atomics per provider, a striped lock for the model table).
public final class TrafficCounters: Sendable {
    private final class ProviderTotals: Sendable {
        let requests: Atomic<Int>
        let successes: Atomic<Int>
        let failures: Atomic<Int>
        let dirty = Atomic<Bool>(false)

        init(_ stored: GlobalStatsRecord?) {
            requests = Atomic(stored?.requests ?? 0)
            successes = Atomic(stored?.successes ?? 0)
            failures = Atomic(stored?.failures ?? 0)
        }
    }

    private struct ModelHourKey: Hashable {
        var provider: ProviderID
        var model: String
        var hourStart: Int
    }

    private struct ModelHourCounts {
        var requests = 0
        var successes = 0
        var failures = 0
        var changed = false
    }

    private final class Stripe: Sendable {
        let table = Mutex<[ModelHourKey: ModelHourCounts]>([:])
    }

    private static let stripeCount = 16
    private let totals: [ProviderID: ProviderTotals]
    private let stripes: [Stripe]
    /// Hours of model statistics kept in memory (the statistics page shows the last 24).
    private let retainedHours: Int

    public init(
        providers: [ProviderID] = ProviderID.builtIn, stored: [GlobalStatsRecord] = [],
        modelHours: [ModelHourRecord] = [], retainedHours: Int = 48
    ) {
        let storedByProvider = Dictionary(stored.map { ($0.provider, $0) }, uniquingKeysWith: { first, _ in first })
        totals = Dictionary(uniqueKeysWithValues: providers.map { ($0, ProviderTotals(storedByProvider[$0])) })
        stripes = (0..<Self.stripeCount).map { _ in Stripe() }
        self.retainedHours = retainedHours
        for record in modelHours {
            let key = ModelHourKey(provider: record.provider, model: record.model, hourStart: record.hourStart)
            stripe(for: key).table.withLock {
                $0[key] = ModelHourCounts(
                    requests: record.requests, successes: record.successes, failures: record.failures)
            }
        }
    }

    private func stripe(for key: ModelHourKey) -> Stripe {
        stripes[Int(UInt(bitPattern: key.model.hashValue) % UInt(Self.stripeCount))]
    }

    /// Counts one finished client request (after all its attempts).
    public func record(provider: ProviderID, model: String?, succeeded: Bool, at now: Date) {
        if let totals = totals[provider] {
            totals.requests.add(1, ordering: .relaxed)
            if succeeded {
                totals.successes.add(1, ordering: .relaxed)
            } else {
                totals.failures.add(1, ordering: .relaxed)
            }
            totals.dirty.store(true, ordering: .releasing)
        }
        let hourStart = Int(now.timeIntervalSince1970) / 3600 * 3600
        let key = ModelHourKey(provider: provider, model: model ?? "unknown", hourStart: hourStart)
        stripe(for: key).table.withLock { table in
            var counts = table[key, default: ModelHourCounts()]
            counts.requests += 1
            if succeeded { counts.successes += 1 } else { counts.failures += 1 }
            counts.changed = true
            table[key] = counts
        }
    }

    public func totals(provider: ProviderID) -> GlobalStatsRecord {
        guard let totals = totals[provider] else { return GlobalStatsRecord(provider: provider) }
        return GlobalStatsRecord(
            provider: provider,
            requests: totals.requests.load(ordering: .relaxed),
            successes: totals.successes.load(ordering: .relaxed),
            failures: totals.failures.load(ordering: .relaxed)
        )
    }

    /// Model statistics of `provider` for hours starting at or after `since`.
    public func modelHours(provider: ProviderID, since: Date) -> [ModelHourRecord] {
        let from = Int(since.timeIntervalSince1970)
        return stripes.flatMap { stripe in
            stripe.table.withLock { table in
                table.compactMap { key, counts in
                    guard key.provider == provider, key.hourStart >= from else { return nil }
                    return ModelHourRecord(
                        provider: key.provider, model: key.model, hourStart: key.hourStart,
                        requests: counts.requests, successes: counts.successes, failures: counts.failures
                    )
                }
            }
        }
    }

    /// Counters changed since the last call; also forgets hours older than the retention window.
    public func takeChanged(now: Date) -> (totals: [GlobalStatsRecord], modelHours: [ModelHourRecord]) {
        var changedTotals: [GlobalStatsRecord] = []
        for (provider, totals) in self.totals where totals.dirty.exchange(false, ordering: .acquiringAndReleasing) {
            changedTotals.append(self.totals(provider: provider))
        }
        let oldest = Int(now.timeIntervalSince1970) / 3600 * 3600 - retainedHours * 3600
        var changedHours: [ModelHourRecord] = []
        for stripe in stripes {
            stripe.table.withLock { table in
                for (key, counts) in table {
                    if key.hourStart < oldest {
                        table[key] = nil
                        continue
                    }
                    guard counts.changed else { continue }
                    table[key]!.changed = false
                    changedHours.append(
                        ModelHourRecord(
                            provider: key.provider, model: key.model, hourStart: key.hourStart,
                            requests: counts.requests, successes: counts.successes, failures: counts.failures
                        ))
                }
            }
        }
        return (changedTotals, changedHours)
    }
}
