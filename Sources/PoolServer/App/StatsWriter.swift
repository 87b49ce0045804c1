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

    private struct State {
        var baseline: StatsBaseline
        /// Sent but not confirmed: retried with the same id.
        var unconfirmed: StatsBatch?
        /// Taken while a batch was unconfirmed; sent under a new id once it is.
        var waiting: StatsBatch?
    }

    private let state: Mutex<State>

    init(
        pool: KeyPool, tokens: TokenRegistry, traffic: TrafficCounters, store: any PoolStore, clock: any PoolClock,
        baseline: StatsBaseline, logger: Logger
    ) {
        self.pool = pool
        self.tokens = tokens
        self.traffic = traffic
        self.store = store
        self.clock = clock
        self.logger = logger
        state = Mutex(State(baseline: baseline))
    }

    /// Writes everything traffic changed since the last flush. After a store error the batch is kept and
    /// retried first (same id) at the next flush, so a passing store error loses and doubles nothing.
    /// - Parameter keyStats: false leaves per-key counters for a later flush (see `StatsFlusher`).
    public func flush(keyStats: Bool = true) async {
        let now = clock.now
        let changedStats = keyStats ? pool.takeChangedStats() : []
        let health = pool.takeChangedHealth()
        let changedCounts = tokens.takeChangedCounts()
        let (totals, modelHours) = traffic.takeChanged(now: now)
        let toSend: StatsBatch? = state.withLock { state in
            let deltas = state.baseline.advance(
                keyStats: changedStats, tokenCounts: changedCounts, totals: totals, modelHours: modelHours)
            let fresh = StatsBatch(
                keyStats: deltas.keyStats, keyHealth: health, tokenRequestCounts: deltas.tokenCounts,
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
        guard let batch = toSend else { return }
        do {
            try await store.write(batch)
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
        } catch {
            logger.error("could not write statistics to the store; will retry", metadata: ["error": "\(error)"])
        }
    }
}
