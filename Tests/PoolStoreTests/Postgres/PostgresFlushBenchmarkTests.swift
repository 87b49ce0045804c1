import Foundation
import PoolCore
import PoolStore
import Testing

/// The figures issue #14 asks for, on the PostgreSQL store: the cost of one flush of 3,000 changed keys in a pool of
/// 100,000 (what one instance writes each second at 3,000 requests a second over a large pool), and of another
/// instance reading those keys back (`sharedTotals`). Run on request only (`POOL_BENCH_CLUSTER=1`, with the test
/// server of `scripts/test`); it checks that every increment arrived and prints the timings (never asserted).
@Suite(
    "PostgreSQL store: flush cost with 100,000 keys (benchmark)",
    .enabled(
        if: PostgresTestServer.isAvailable && ProcessInfo.processInfo.environment["POOL_BENCH_CLUSTER"] == "1",
        "set POOL_BENCH_CLUSTER=1 (and POOL_TEST_POSTGRES_URL) to run the flush benchmark"))
struct PostgresFlushBenchmarkTests {
    @Test("3,000 changed keys of 100,000 per flush: write and read-back times")
    func flushCost() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let writer = try await PostgresStore(
                settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
            let reader = try await PostgresStore(
                settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger)
            let keys = (0..<100_000).map { makeKey(String(format: "sk-bench-flush-%08d", $0)) }
            let importStart = ContinuousClock.now
            _ = try await writer.insertKeys(keys)
            let importTime = ContinuousClock.now - importStart
            var seen = try await reader.revision()
            var writes: [Duration] = []
            var reads: [Duration] = []
            var written = 0
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<15 {
                let changed = keys.shuffled(using: &generator).prefix(3_000)
                let batch = StatsBatch(
                    keyStats: changed.map {
                        KeyStatsRecord(keyID: $0.id, requests: 1, successes: 1, latencyMillisSum: 12, lastUsed: Date())
                    })
                written += batch.keyStats.count
                let writeStart = ContinuousClock.now
                try await writer.write(batch)
                writes.append(ContinuousClock.now - writeStart)
                let readStart = ContinuousClock.now
                let totals = try await reader.sharedTotals(keysChangedAfter: seen, hoursSince: 0)
                reads.append(ContinuousClock.now - readStart)
                #expect(totals.keyStats.count == 3_000)
                seen = totals.revision
            }
            let all = try await reader.sharedTotals(keysChangedAfter: 0, hoursSince: 0)
            #expect(all.keyStats.reduce(0) { $0 + $1.requests } == written)
            func millis(_ durations: [Duration]) -> String {
                let sorted = durations.map {
                    Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1e3
                }
                .sorted()
                return String(format: "median %.1f ms, max %.1f ms", sorted[sorted.count / 2], sorted.last!)
            }
            print("bench: import of 100,000 keys into PostgreSQL: \(importTime)")
            print("bench: flush of 3,000 changed keys (of 100,000): \(millis(writes))")
            print("bench: read-back of those 3,000 keys by another instance: \(millis(reads))")
            try await writer.close()
            try await reader.close()
        }
    }
}
