import Foundation
import Synchronization

/// Gateway-wide request counters per provider and per model per hour, updated on the request path
/// without a global lock (atomics per provider, a striped lock for the model table).
///
/// Every finished client request is counted once, in exactly one `RequestResult` category.
public final class TrafficCounters: Sendable {
    private final class Counter: Sendable {
        let value: Atomic<Int>
        init(_ value: Int) { self.value = Atomic(value) }
    }

    private final class ProviderTotals: Sendable {
        let requests: Atomic<Int>
        let successes: Atomic<Int>
        let failures: Atomic<Int>
        let clientErrors: Atomic<Int>
        let upstreamFailures: Atomic<Int>
        /// One counter per reason, made once: the dictionary itself is never written after init.
        let refusals: [RefusalReason: Counter]
        let dirty = Atomic<Bool>(false)

        init(_ stored: GlobalStatsRecord?) {
            requests = Atomic(stored?.requests ?? 0)
            successes = Atomic(stored?.successes ?? 0)
            failures = Atomic(stored?.failures ?? 0)
            clientErrors = Atomic(stored?.clientErrors ?? 0)
            upstreamFailures = Atomic(stored?.upstreamFailures ?? 0)
            refusals = Dictionary(
                uniqueKeysWithValues: RefusalReason.allCases.map { ($0, Counter(stored?.refusals[$0] ?? 0)) })
        }

        func add(_ result: RequestResult) {
            requests.add(1, ordering: .relaxed)
            switch result {
            case .success:
                successes.add(1, ordering: .relaxed)
            case .clientError:
                failures.add(1, ordering: .relaxed)
                clientErrors.add(1, ordering: .relaxed)
            case .upstreamFailure:
                failures.add(1, ordering: .relaxed)
                upstreamFailures.add(1, ordering: .relaxed)
            case .refused(let reason):
                failures.add(1, ordering: .relaxed)
                refusals[reason]!.value.add(1, ordering: .relaxed)
            }
            dirty.store(true, ordering: .releasing)
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
        var clientErrors = 0
        var upstreamFailures = 0
        var refused = 0
        var changed = false

        mutating func add(_ result: RequestResult) {
            requests += 1
            switch result {
            case .success: successes += 1
            case .clientError: clientErrors += 1
            case .upstreamFailure: upstreamFailures += 1
            case .refused: refused += 1
            }
            if result != .success { failures += 1 }
            changed = true
        }

        func record(_ key: ModelHourKey) -> ModelHourRecord {
            ModelHourRecord(
                provider: key.provider, model: key.model, hourStart: key.hourStart, requests: requests,
                successes: successes, failures: failures, clientErrors: clientErrors,
                upstreamFailures: upstreamFailures, refused: refused)
        }
    }

    private final class Stripe: Sendable {
        let table = Mutex<[ModelHourKey: ModelHourCounts]>([:])
    }

    private static let stripeCount = 16
    /// Totals by provider: the built-ins made at init, any other provider's on its first request. Read once per
    /// request; a provider's totals object, once made, is never replaced.
    private let totals: Mutex<[ProviderID: ProviderTotals]>
    /// What the store held for providers whose totals are not made yet, so totals made later start from it.
    private let storedTotals: [ProviderID: GlobalStatsRecord]
    private let stripes: [Stripe]
    /// Hours of model statistics kept in memory (the statistics page shows the last 24).
    private let retainedHours: Int

    public init(
        providers: [ProviderID] = ProviderID.builtIn, stored: [GlobalStatsRecord] = [],
        modelHours: [ModelHourRecord] = [], retainedHours: Int = 48
    ) {
        let storedByProvider = Dictionary(stored.map { ($0.provider, $0) }, uniquingKeysWith: { first, _ in first })
        totals = Mutex(
            Dictionary(
                providers.map { ($0, ProviderTotals(storedByProvider[$0])) }, uniquingKeysWith: { first, _ in first }))
        storedTotals = storedByProvider
        stripes = (0..<Self.stripeCount).map { _ in Stripe() }
        self.retainedHours = retainedHours
        for record in modelHours {
            let key = ModelHourKey(provider: record.provider, model: record.model, hourStart: record.hourStart)
            stripe(for: key).table.withLock {
                $0[key] = ModelHourCounts(
                    requests: record.requests, successes: record.successes, failures: record.failures,
                    clientErrors: record.clientErrors, upstreamFailures: record.upstreamFailures,
                    refused: record.refused)
            }
        }
    }

    /// The totals of `provider`, made on first use (any provider counts, whether or not a catalog names it).
    private func providerTotals(_ provider: ProviderID) -> ProviderTotals {
        totals.withLock { totals in
            if let existing = totals[provider] { return existing }
            let made = ProviderTotals(storedTotals[provider])
            totals[provider] = made
            return made
        }
    }

    private func stripe(for key: ModelHourKey) -> Stripe {
        stripes[Int(UInt(bitPattern: key.model.hashValue) % UInt(Self.stripeCount))]
    }

    /// Counts one finished client request (after all its attempts) in the provider's totals and in its model's
    /// hour; `model` nil means the request named none (it is counted under `ModelHourRecord.noModel`).
    public func record(provider: ProviderID, model: String?, result: RequestResult, at now: Date) {
        record(provider: provider, result: result)
        let hourStart = Int(now.timeIntervalSince1970) / 3600 * 3600
        let key = ModelHourKey(provider: provider, model: model ?? ModelHourRecord.noModel, hourStart: hourStart)
        stripe(for: key).table.withLock { table in
            table[key, default: ModelHourCounts()].add(result)
        }
    }

    /// Counts one request in the provider's totals only: for requests refused before the gateway read what model
    /// they were for (a bad client token, an oversized head, a body that is not JSON).
    public func record(provider: ProviderID, result: RequestResult) {
        providerTotals(provider).add(result)
    }

    public func totals(provider: ProviderID) -> GlobalStatsRecord {
        guard let totals = totals.withLock({ $0[provider] }) else {
            return storedTotals[provider] ?? GlobalStatsRecord(provider: provider)
        }
        var refusals: [RefusalReason: Int] = [:]
        for (reason, counter) in totals.refusals {
            let count = counter.value.load(ordering: .relaxed)
            if count > 0 { refusals[reason] = count }
        }
        return GlobalStatsRecord(
            provider: provider,
            requests: totals.requests.load(ordering: .relaxed),
            successes: totals.successes.load(ordering: .relaxed),
            failures: totals.failures.load(ordering: .relaxed),
            clientErrors: totals.clientErrors.load(ordering: .relaxed),
            upstreamFailures: totals.upstreamFailures.load(ordering: .relaxed),
            refusals: refusals
        )
    }

    /// Model statistics of `provider` for hours starting at or after `since`.
    public func modelHours(provider: ProviderID, since: Date) -> [ModelHourRecord] {
        let from = Int(since.timeIntervalSince1970)
        return stripes.flatMap { stripe in
            stripe.table.withLock { table in
                table.compactMap { key, counts in
                    guard key.provider == provider, key.hourStart >= from else { return nil }
                    return counts.record(key)
                }
            }
        }
    }

    /// Counters changed since the last call; also forgets hours older than the retention window.
    public func takeChanged(now: Date) -> (totals: [GlobalStatsRecord], modelHours: [ModelHourRecord]) {
        var changedTotals: [GlobalStatsRecord] = []
        let everyTotals = totals.withLock { $0 }
        for (provider, totals) in everyTotals where totals.dirty.exchange(false, ordering: .acquiringAndReleasing) {
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
                    changedHours.append(counts.record(key))
                }
            }
        }
        return (changedTotals, changedHours)
    }
}
