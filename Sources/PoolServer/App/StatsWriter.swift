import Logging
import PoolCore
import PoolStore
import Synchronization

/// Writes what traffic changed in memory (per-key counters and health, token counts, totals, model hours) to the
/// store in one transaction per flush. Nothing on the request path waits for it.
public final class StatsWriter: Sendable {
    let pool: KeyPool
    let tokens: TokenRegistry
    let traffic: TrafficCounters
    let store: any PoolStore
    let clock: any PoolClock
    let logger: Logger
    /// A batch the store refused, merged into the next one.
    private let unsaved = Mutex<StatsBatch?>(nil)

    init(
        pool: KeyPool, tokens: TokenRegistry, traffic: TrafficCounters, store: any PoolStore, clock: any PoolClock,
        logger: Logger
    ) {
        self.pool = pool
        self.tokens = tokens
        self.traffic = traffic
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Writes everything traffic changed since the last flush, in one store transaction. A batch the store
    /// refused is kept and merged into the next one, so a passing store error loses nothing.
    /// - Parameter keyStats: false leaves per-key counters for a later flush (see `StatsFlusher`).
    public func flush(keyStats: Bool = true) async {
        let now = clock.now
        let (totals, modelHours) = traffic.takeChanged(now: now)
        let fresh = StatsBatch(
            keyStats: keyStats ? pool.takeChangedStats() : [],
            keyHealth: pool.takeChangedHealth(),
            tokenRequestCounts: tokens.takeChangedCounts().map { TokenCount(tokenID: $0.id, requestCount: $0.count) },
            globalStats: totals,
            modelHours: modelHours
        )
        let batch = unsaved.withLock { pending in
            defer { pending = nil }
            return pending.map { $0.merged(with: fresh) } ?? fresh
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.write(batch)
        } catch {
            logger.error("could not write statistics to the store; will retry", metadata: ["error": "\(error)"])
            unsaved.withLock { pending in pending = pending.map { batch.merged(with: $0) } ?? batch }
        }
    }
}
