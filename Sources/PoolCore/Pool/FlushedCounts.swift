import Synchronization

/// A key's counters as the store holds them, as far as this instance knows: what was loaded, plus what this
/// instance flushed since, plus other instances' increments it has read back. The flusher alone reads and moves
/// it (`KeyPool.takeChangedStats`, `KeyPool.absorbStored`), so the atomics only make it `Sendable` inside
/// `PooledKey`. Stored inline in the key: six words per key, where a dictionary of baselines cost several
/// times that for 100,000 keys.
struct FlushedCounts: ~Copyable, Sendable {
    private let requests: Atomic<Int>
    private let successes: Atomic<Int>
    private let failures: Atomic<Int>
    private let latencyMillisSum: Atomic<Int>
    private let promptTokens: Atomic<Int>
    private let completionTokens: Atomic<Int>

    init(_ stored: KeyStatsRecord?) {
        requests = Atomic(stored?.requests ?? 0)
        successes = Atomic(stored?.successes ?? 0)
        failures = Atomic(stored?.failures ?? 0)
        latencyMillisSum = Atomic(stored?.latencyMillisSum ?? 0)
        promptTokens = Atomic(stored?.promptTokens ?? 0)
        completionTokens = Atomic(stored?.completionTokens ?? 0)
    }

    /// `record`'s counters minus these (dates are `record`'s); these become `record`'s counters.
    func advance(to record: KeyStatsRecord) -> KeyStatsRecord {
        var change = record
        change.requests -= requests.exchange(record.requests, ordering: .relaxed)
        change.successes -= successes.exchange(record.successes, ordering: .relaxed)
        change.failures -= failures.exchange(record.failures, ordering: .relaxed)
        change.latencyMillisSum -= latencyMillisSum.exchange(record.latencyMillisSum, ordering: .relaxed)
        change.promptTokens -= promptTokens.exchange(record.promptTokens, ordering: .relaxed)
        change.completionTokens -= completionTokens.exchange(record.completionTokens, ordering: .relaxed)
        return change
    }
}
