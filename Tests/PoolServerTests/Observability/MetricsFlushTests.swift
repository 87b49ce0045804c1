import Foundation
import Logging
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// `pool_store_flush_failures_total` rests on `StatsWriter.flush` saying whether the store took the batch: a real
/// SQLite file, written to while open and after it was closed.
@Suite("Metrics: store flush outcomes")
struct MetricsFlushTests {
    @Test("a flush the store takes reports success; one it cannot take reports failure")
    func flushOutcome() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-flush-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = GatewayConfiguration()
        configuration.adminToken = "metrics-flush-admin-token-0123"
        configuration.persistence.databaseURL = "sqlite:" + folder.appendingPathComponent("pool.sqlite").path
        var logger = Logger(label: "metrics-flush")
        logger.logLevel = .critical
        let store = try await Gateway.openConfiguredStore(configuration, logger: logger)
        let gateway = try await Gateway.load(
            from: store, configuration: configuration, logger: logger, announceAdminToken: { _ in })

        gateway.traffic.record(provider: .ollama, model: "m", result: .success, at: Date())
        #expect(await gateway.statsWriter.flush())
        try await store.close()
        gateway.traffic.record(provider: .ollama, model: "m", result: .success, at: Date())
        #expect(await gateway.statsWriter.flush() == false)
    }
}
