import Foundation
import Logging
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// Per-key counters of a large pool go to the store in bounded batches, and one flush still writes them all.
@Suite("Statistics writer: batches of per-key counters")
struct StatsWriterBatchTests {
    @Test("a flush with more changed keys than a batch holds writes every key, in several batches")
    func everyKeyInSeveralBatches() async throws {
        let count = StatsWriter.keyStatsPerBatch * 2 + 100
        let clock = ManualClock()
        let store = InMemoryStore()
        let records = (0..<count).map { index in
            KeyRecord(id: "k\(index)", provider: .ollama, secret: "batch-secret-\(index)", createdAt: clock.now)
        }
        _ = try await store.insertKeys(records)
        let pool = KeyPool(clock: clock)
        pool.add(records)
        var leases: [KeyLease] = []
        for _ in 0..<count {
            guard case .leased(let lease) = pool.lease(provider: .ollama, model: nil) else {
                Issue.record("no key to lease")
                return
            }
            leases.append(lease)
        }
        for lease in leases { pool.report(lease, outcome: .success, latencyMillis: 2) }
        #expect(pool.changedStatsCount == count)

        let writer = StatsWriter(
            pool: pool, tokens: TokenRegistry(clock: clock), traffic: TrafficCounters(), store: store, clock: clock,
            baseline: StatsBaseline(), logger: Logger(label: "test"))
        await writer.flush()

        #expect(pool.changedStatsCount == 0)
        let stored = try await store.loadSnapshot().keyStats
        #expect(stored.count == count)
        #expect(stored.allSatisfy { $0.requests == 1 && $0.latencyMillisSum == 2 })
    }
}
