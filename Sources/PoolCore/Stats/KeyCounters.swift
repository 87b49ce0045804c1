import Foundation
import Synchronization

/// Usage counters of one key, updated lock-free on the request path and read in batches by the flusher.
/// Non-copyable and stored inline in `PooledKey`: one allocation per key instead of two.
public struct KeyCounters: ~Copyable, Sendable {
    private let requests: Atomic<Int>
    private let successes: Atomic<Int>
    private let failures: Atomic<Int>
    private let latencyMillisSum: Atomic<Int>
    private let promptTokens: Atomic<Int>
    private let completionTokens: Atomic<Int>
    private let lastUsedMillis: Atomic<Int>
    private let lastSuccessMillis: Atomic<Int>
    private let lastFailureMillis: Atomic<Int>
    private let dirty = Atomic<Bool>(false)

    public init(_ stored: KeyStatsRecord? = nil) {
        requests = Atomic(stored?.requests ?? 0)
        successes = Atomic(stored?.successes ?? 0)
        failures = Atomic(stored?.failures ?? 0)
        latencyMillisSum = Atomic(stored?.latencyMillisSum ?? 0)
        promptTokens = Atomic(stored?.promptTokens ?? 0)
        completionTokens = Atomic(stored?.completionTokens ?? 0)
        lastUsedMillis = Atomic(stored?.lastUsed.map(Self.millis) ?? 0)
        lastSuccessMillis = Atomic(stored?.lastSuccess.map(Self.millis) ?? 0)
        lastFailureMillis = Atomic(stored?.lastFailure.map(Self.millis) ?? 0)
    }

    /// Counts one attempt made with the key; true when this makes the counters changed since the last
    /// `takeChanged`, so the caller queues the key for the next batch once instead of the flusher scanning all.
    @discardableResult
    public func record(_ outcome: AttemptOutcome, latencyMillis: Int, usage: TokenUsage?, at now: Date) -> Bool {
        let nowMillis = Self.millis(now)
        requests.add(1, ordering: .relaxed)
        lastUsedMillis.store(nowMillis, ordering: .relaxed)
        latencyMillisSum.add(max(0, latencyMillis), ordering: .relaxed)
        if outcome == .success {
            successes.add(1, ordering: .relaxed)
            lastSuccessMillis.store(nowMillis, ordering: .relaxed)
        } else if outcome.countsAsFailure {
            failures.add(1, ordering: .relaxed)
            lastFailureMillis.store(nowMillis, ordering: .relaxed)
        }
        if let usage {
            promptTokens.add(usage.promptTokens, ordering: .relaxed)
            completionTokens.add(usage.completionTokens, ordering: .relaxed)
        }
        return !dirty.exchange(true, ordering: .acquiringAndReleasing)
    }

    /// Adds increments other instances counted (read back from the store) without marking the counters
    /// changed: the store holds them already. Dates move to the later of both.
    public func absorb(_ increments: KeyStatsRecord) {
        requests.add(increments.requests, ordering: .relaxed)
        successes.add(increments.successes, ordering: .relaxed)
        failures.add(increments.failures, ordering: .relaxed)
        latencyMillisSum.add(increments.latencyMillisSum, ordering: .relaxed)
        promptTokens.add(increments.promptTokens, ordering: .relaxed)
        completionTokens.add(increments.completionTokens, ordering: .relaxed)
        if let date = increments.lastUsed { lastUsedMillis.max(Self.millis(date), ordering: .relaxed) }
        if let date = increments.lastSuccess { lastSuccessMillis.max(Self.millis(date), ordering: .relaxed) }
        if let date = increments.lastFailure { lastFailureMillis.max(Self.millis(date), ordering: .relaxed) }
    }

    /// Clears the changed flag and tells whether anything changed since the last call.
    public func takeChanged() -> Bool {
        dirty.exchange(false, ordering: .acquiringAndReleasing)
    }

    public func snapshot(keyID: String) -> KeyStatsRecord {
        KeyStatsRecord(
            keyID: keyID,
            requests: requests.load(ordering: .relaxed),
            successes: successes.load(ordering: .relaxed),
            failures: failures.load(ordering: .relaxed),
            latencyMillisSum: latencyMillisSum.load(ordering: .relaxed),
            promptTokens: promptTokens.load(ordering: .relaxed),
            completionTokens: completionTokens.load(ordering: .relaxed),
            lastUsed: Self.date(lastUsedMillis.load(ordering: .relaxed)),
            lastSuccess: Self.date(lastSuccessMillis.load(ordering: .relaxed)),
            lastFailure: Self.date(lastFailureMillis.load(ordering: .relaxed))
        )
    }

    static func millis(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded()) }

    static func date(_ millis: Int) -> Date? {
        millis == 0 ? nil : Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}
