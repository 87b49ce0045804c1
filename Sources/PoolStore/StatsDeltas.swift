import Foundation
import PoolCore

/// The arithmetic of counter increments, shared by the stores (applying a batch to what they hold) and the
/// statistics writer (turning in-memory totals into increments, summing batches that wait).
public enum StatsDeltas {
    /// `stored` plus the increment `delta`: counters add, dates keep the later one.
    public static func adding(_ delta: KeyStatsRecord, to stored: KeyStatsRecord?) -> KeyStatsRecord {
        guard let stored else { return delta }
        var total = counters(stored, plus: delta, times: 1)
        total.lastUsed = later(stored.lastUsed, delta.lastUsed)
        total.lastSuccess = later(stored.lastSuccess, delta.lastSuccess)
        total.lastFailure = later(stored.lastFailure, delta.lastFailure)
        return total
    }

    /// What changed from `base` to `current`: counters subtract, dates are `current`'s.
    public static func change(from base: KeyStatsRecord?, to current: KeyStatsRecord) -> KeyStatsRecord {
        base.map { counters(current, plus: $0, times: -1) } ?? current
    }

    public static func adding(_ delta: GlobalStatsRecord, to stored: GlobalStatsRecord?) -> GlobalStatsRecord {
        stored.map { counters($0, plus: delta, times: 1) } ?? delta
    }

    public static func change(from base: GlobalStatsRecord?, to current: GlobalStatsRecord) -> GlobalStatsRecord {
        base.map { counters(current, plus: $0, times: -1) } ?? current
    }

    public static func adding(_ delta: ModelHourRecord, to stored: ModelHourRecord?) -> ModelHourRecord {
        stored.map { counters($0, plus: delta, times: 1) } ?? delta
    }

    public static func change(from base: ModelHourRecord?, to current: ModelHourRecord) -> ModelHourRecord {
        base.map { counters(current, plus: $0, times: -1) } ?? current
    }

    /// `record`'s counters plus `times` × `other`'s (1 to add an increment, -1 to take a base away); everything
    /// else is `record`'s.
    private static func counters(_ record: KeyStatsRecord, plus other: KeyStatsRecord, times: Int) -> KeyStatsRecord {
        var result = record
        result.requests += times * other.requests
        result.successes += times * other.successes
        result.failures += times * other.failures
        result.latencyMillisSum += times * other.latencyMillisSum
        result.promptTokens += times * other.promptTokens
        result.completionTokens += times * other.completionTokens
        return result
    }

    private static func counters(
        _ record: GlobalStatsRecord, plus other: GlobalStatsRecord, times: Int
    ) -> GlobalStatsRecord {
        var result = record
        result.requests += times * other.requests
        result.successes += times * other.successes
        result.failures += times * other.failures
        result.clientErrors += times * other.clientErrors
        result.upstreamFailures += times * other.upstreamFailures
        result.refusals.merge(other.refusals.mapValues { times * $0 }, uniquingKeysWith: +)
        result.refusals = result.refusals.filter { $0.value != 0 }
        return result
    }

    private static func counters(_ record: ModelHourRecord, plus other: ModelHourRecord, times: Int) -> ModelHourRecord
    {
        var result = record
        result.requests += times * other.requests
        result.successes += times * other.successes
        result.failures += times * other.failures
        result.clientErrors += times * other.clientErrors
        result.upstreamFailures += times * other.upstreamFailures
        result.refused += times * other.refused
        return result
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
