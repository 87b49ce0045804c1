import Foundation
import PoolCore

/// The arithmetic of counter increments, shared by the stores (applying a batch to what they hold) and the
/// statistics writer (turning in-memory totals into increments, summing batches that wait).
public enum StatsDeltas {
    /// `stored` plus the increment `delta`: counters add, dates keep the later one.
    public static func adding(_ delta: KeyStatsRecord, to stored: KeyStatsRecord?) -> KeyStatsRecord {
        guard var total = stored else { return delta }
        total.requests += delta.requests
        total.successes += delta.successes
        total.failures += delta.failures
        total.latencyMillisSum += delta.latencyMillisSum
        total.promptTokens += delta.promptTokens
        total.completionTokens += delta.completionTokens
        total.lastUsed = later(total.lastUsed, delta.lastUsed)
        total.lastSuccess = later(total.lastSuccess, delta.lastSuccess)
        total.lastFailure = later(total.lastFailure, delta.lastFailure)
        return total
    }

    /// What changed from `base` to `current`: counters subtract, dates are `current`'s.
    public static func change(from base: KeyStatsRecord?, to current: KeyStatsRecord) -> KeyStatsRecord {
        guard let base else { return current }
        var delta = current
        delta.requests -= base.requests
        delta.successes -= base.successes
        delta.failures -= base.failures
        delta.latencyMillisSum -= base.latencyMillisSum
        delta.promptTokens -= base.promptTokens
        delta.completionTokens -= base.completionTokens
        return delta
    }

    public static func adding(_ delta: GlobalStatsRecord, to stored: GlobalStatsRecord?) -> GlobalStatsRecord {
        guard var total = stored else { return delta }
        total.requests += delta.requests
        total.successes += delta.successes
        total.failures += delta.failures
        total.clientErrors += delta.clientErrors
        total.upstreamFailures += delta.upstreamFailures
        total.refusals.merge(delta.refusals, uniquingKeysWith: +)
        return total
    }

    public static func change(from base: GlobalStatsRecord?, to current: GlobalStatsRecord) -> GlobalStatsRecord {
        guard let base else { return current }
        var delta = current
        delta.requests -= base.requests
        delta.successes -= base.successes
        delta.failures -= base.failures
        delta.clientErrors -= base.clientErrors
        delta.upstreamFailures -= base.upstreamFailures
        delta.refusals.merge(base.refusals.mapValues { -$0 }, uniquingKeysWith: +)
        delta.refusals = delta.refusals.filter { $0.value != 0 }
        return delta
    }

    public static func adding(_ delta: ModelHourRecord, to stored: ModelHourRecord?) -> ModelHourRecord {
        guard var total = stored else { return delta }
        total.requests += delta.requests
        total.successes += delta.successes
        total.failures += delta.failures
        total.clientErrors += delta.clientErrors
        total.upstreamFailures += delta.upstreamFailures
        total.refused += delta.refused
        return total
    }

    public static func change(from base: ModelHourRecord?, to current: ModelHourRecord) -> ModelHourRecord {
        guard let base else { return current }
        var delta = current
        delta.requests -= base.requests
        delta.successes -= base.successes
        delta.failures -= base.failures
        delta.clientErrors -= base.clientErrors
        delta.upstreamFailures -= base.upstreamFailures
        delta.refused -= base.refused
        return delta
    }

    /// The key of a model hour row.
    public static func hourKey(_ hour: ModelHourRecord) -> String {
        "\(hour.provider.rawValue)\n\(hour.model)\n\(hour.hourStart)"
    }

    private static func later(_ first: Date?, _ second: Date?) -> Date? {
        guard let first else { return second }
        guard let second else { return first }
        return max(first, second)
    }
}

extension StatsBatch {
    /// This batch and `newer` as one: increments add, `newer`'s health replaces this one's. The id is this one's.
    public func adding(_ newer: StatsBatch) -> StatsBatch {
        func sum<T>(_ old: [T], _ new: [T], key: (T) -> String, add: (T, T?) -> T) -> [T] {
            var byKey: [String: T] = [:]
            var order: [String] = []
            for record in old + new {
                let id = key(record)
                if byKey[id] == nil { order.append(id) }
                byKey[id] = add(record, byKey[id])
            }
            return order.map { byKey[$0]! }
        }
        var health: [String: KeyHealthRecord] = [:]
        for record in keyHealth + newer.keyHealth { health[record.keyID] = record }
        return StatsBatch(
            id: id,
            keyStats: sum(keyStats, newer.keyStats, key: \.keyID, add: StatsDeltas.adding),
            keyHealth: health.keys.sorted().map { health[$0]! },
            tokenRequestCounts: sum(tokenRequestCounts, newer.tokenRequestCounts, key: \.tokenID) { delta, total in
                TokenCount(tokenID: delta.tokenID, requestCount: delta.requestCount + (total?.requestCount ?? 0))
            },
            globalStats: sum(globalStats, newer.globalStats, key: \.provider.rawValue, add: StatsDeltas.adding),
            modelHours: sum(modelHours, newer.modelHours, key: StatsDeltas.hourKey, add: StatsDeltas.adding)
        )
    }
}
