import Foundation
import Logging
import PoolCore
import PoolStore
import Synchronization

/// Writes what traffic changed in memory (per-key counters and health, token counts, totals, model hours) to the
/// store in one transaction per flush, as increments (`StatsBaseline`), so that several instances on one
/// database add up. Nothing on the request path waits for it.
///
/// A batch the store did not confirm is retried alone with its id until it is (the store applies an id once,
/// so a batch that did commit before its connection broke is not counted twice); what changes meanwhile waits,
/// summed, for the next id.
public final class StatsWriter: Sendable {
    let pool: KeyPool
    let tokens: TokenRegistry
    let traffic: TrafficCounters
    let store: any PoolStore
    let clock: any PoolClock
    let logger: Logger
    /// Other instances' share of the totals, refreshed by `refreshShared()`.
    let shared: StatsShared
    private let outage: StoreOutageLog
    private let readOutage: StoreOutageLog

    private struct State {
        var baseline: StatsBaseline
        /// The store revision the shared totals were last read at (keys changed after it are read next).
        var sharedRevision: Int64
        /// Sent but not confirmed: retried with the same id.
        var unconfirmed: StatsBatch?
        /// Taken while a batch was unconfirmed; sent under a new id once it is.
        var waiting: StatsBatch?
        /// Health probes restored, not yet stored (written as replacements, `KeyPool.takeLiftedHealth`).
        var lifted: [String: KeyHealthRecord] = [:]
    }

    private let state: Mutex<State>

    init(
        pool: KeyPool, tokens: TokenRegistry, traffic: TrafficCounters, store: any PoolStore, clock: any PoolClock,
        baseline: StatsBaseline, loadedRevision: Int64 = 0, shared: StatsShared = StatsShared(), logger: Logger
    ) {
        self.pool = pool
        self.tokens = tokens
        self.traffic = traffic
        self.store = store
        self.clock = clock
        self.logger = logger
        self.shared = shared
        outage = StoreOutageLog(logger: logger, what: "writing statistics")
        readOutage = StoreOutageLog(logger: logger, what: "reading the shared totals")
        state = Mutex(State(baseline: baseline, sharedRevision: loadedRevision))
    }

    /// Writes everything traffic changed since the last flush. After a store error the batch is kept and
    /// retried first (same id) at the next flush, so a passing store error loses and doubles nothing.
    /// Per-key counters go in batches of at most `keyStatsPerBatch` keys, written one after another: with a
    /// large pool nearly every key changes between two key-statistics flushes, and one batch of 100,000 keys held
    /// 11 MB at once.
    /// - Parameter keyStats: false leaves per-key counters for a later flush (see `StatsFlusher`).
    /// - Returns: false when the store refused a write (counted by the metrics' `pool_store_flush_failures_total`).
    @discardableResult
    public func flush(keyStats: Bool = true) async -> Bool {
        // The keys queued now, not those traffic queues meanwhile: a flush ends even under load.
        let batches = keyStats ? pool.changedStatsCount / Self.keyStatsPerBatch + 1 : 1
        var succeeded = true
        for _ in 0..<batches {
            let (written, allWritten) = await flushBatch(keyStats: keyStats)
            succeeded = succeeded && allWritten
            guard written else { return false }
        }
        return succeeded
    }

    /// Keys per batch of per-key counters: about 0.5 MB of records, held while the batch is written. A batch is one
    /// transaction; 25 of them for 100,000 keys cost no more than 7 larger ones, and hold a quarter of the memory.
    static let keyStatsPerBatch = 4_096

    /// One batch. `written` is false when the store refused the batch (it is kept for the next flush, and nothing
    /// more is taken); `allWritten` also when probes' restorations could not be written.
    private func flushBatch(keyStats: Bool) async -> (written: Bool, allWritten: Bool) {
        var succeeded = true
        // Probes' restorations replace (the batch's health is merged); kept for the next flush if they fail.
        let lifted: [KeyHealthRecord] = state.withLock { state in
            for record in pool.takeLiftedHealth() { state.lifted[record.keyID] = record }
            return state.lifted.keys.sorted().map { state.lifted[$0]! }
        }
        if !lifted.isEmpty {
            do {
                try await store.updateKeyHealth(lifted)
                state.withLock { state in
                    for record in lifted where state.lifted[record.keyID] == record { state.lifted[record.keyID] = nil }
                }
            } catch {
                outage.failed(error)
                succeeded = false
            }
        }
        let now = clock.now
        let changedStats = keyStats ? pool.takeChangedStats(limit: Self.keyStatsPerBatch) : []
        let health = pool.takeChangedHealth()
        let changedCounts = tokens.takeChangedCounts()
        let (totals, modelHours) = traffic.takeChanged(now: now)
        let toSend: StatsBatch? = state.withLock { state in
            let deltas = state.baseline.advance(tokenCounts: changedCounts, totals: totals, modelHours: modelHours)
            let fresh = StatsBatch(
                keyStats: changedStats, keyHealth: health, tokenRequestCounts: deltas.tokenCounts,
                globalStats: deltas.totals, modelHours: deltas.hours)
            let waiting = state.waiting.map { $0.adding(fresh) } ?? fresh
            if let unconfirmed = state.unconfirmed {
                state.waiting = waiting
                return unconfirmed
            }
            state.waiting = nil
            guard !waiting.isEmpty else { return nil }
            state.unconfirmed = waiting
            return waiting
        }
        guard let batch = toSend else { return (true, succeeded) }
        let started = ContinuousClock.now
        do {
            try await store.write(batch)
            logger.debug(
                "statistics flushed",
                metadata: [
                    "keys": "\(batch.keyStats.count)", "health": "\(batch.keyHealth.count)",
                    "tokens": "\(batch.tokenRequestCounts.count)", "took": "\(ContinuousClock.now - started)",
                ])
            let next: StatsBatch? = state.withLock { state in
                if state.unconfirmed?.id == batch.id { state.unconfirmed = nil }
                guard state.unconfirmed == nil, let waiting = state.waiting, !waiting.isEmpty else { return nil }
                state.waiting = nil
                state.unconfirmed = waiting
                return waiting
            }
            // What waited behind a retried batch goes now rather than a flush later.
            if let next { try await store.write(next) }
            state.withLock { state in
                if let next, state.unconfirmed?.id == next.id { state.unconfirmed = nil }
            }
            outage.succeeded()
            return (true, succeeded)
        } catch {
            outage.failed(error)
            return (false, false)
        }
    }

    /// Reads the store's totals back and takes in what other instances flushed: per-key counters into the pool
    /// (`KeyPool.absorbStored`), totals and model hours into `shared`. Skipped while a batch of this instance's
    /// is unconfirmed (the store's totals would lack it). Call it on the flusher's task, after `flush`: a flush
    /// running meanwhile would have its keys' increments counted twice.
    public func refreshShared() async {
        let after: Int64? = state.withLock { state in
            state.unconfirmed == nil && state.waiting == nil ? state.sharedRevision : nil
        }
        guard let after else { return }
        let now = clock.now
        let currentHour = Int(now.timeIntervalSince1970) / 3600 * 3600
        let hoursSince = currentHour - Self.sharedHours * 3600
        do {
            let started = ContinuousClock.now
            // Page by page: 100,000 keys read back at once held ~20 MB for the moment.
            let totals = try await store.sharedTotals(keysChangedAfter: after, hoursSince: hoursSince) { [pool] page in
                pool.absorbStored(page)
            }
            logger.debug("shared totals read back", metadata: ["took": "\(ContinuousClock.now - started)"])
            let others = state.withLock { state in
                state.sharedRevision = max(state.sharedRevision, totals.revision)
                return state.baseline.others(in: totals)
            }
            shared.update(
                totals: others.totals, hours: others.hours, hoursSince: hoursSince,
                oldest: currentHour - Self.keptHours * 3600, at: now)
            readOutage.succeeded()
        } catch {
            readOutage.failed(error)
        }
    }

    /// Model hours read back every time: the current one and those before it that may still get late flushes.
    static let sharedHours = 2
    /// Other instances' model hours older than this are forgotten (as the in-memory counters forget theirs).
    static let keptHours = 48
}
