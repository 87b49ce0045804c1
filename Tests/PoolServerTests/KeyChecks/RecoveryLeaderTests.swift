import Foundation
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// The recovery pass is singleton work: with several instances on one PostgreSQL database only the holder of
/// the leader lock probes, and another takes over once the holder's session ends.
@Suite(
    "Recovery on the leader only",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the leader lock is not tested (scripts/test starts a server)"))
struct RecoveryLeaderTests {
    @Test("a recovery service without the lock probes nothing; it takes over when the holder lets go")
    func onlyTheLeaderRecovers() async throws {
        try await SharedDatabase.postgres.with { openStore in
            let holderStore = try await openStore()
            let followerStore = try await openStore()
            let holder = holderStore.makeLeaderLock()
            #expect(await holder.acquire())
            try await withProxy({ $0.keyChecks.healthCheckInterval = 0 }) { gateway, mock in
                let secret = "leader-only-key-00000001"
                let id = try await gateway.addKeys([secret])[0]
                mock.set(.status(401), forKey: secret)
                _ = try await gateway.runJob("/admin/keys/health-check", json: ["ids": [id]])
                #expect(gateway.gateway.pool.view(id: id)?.status == .invalid)
                mock.reset()

                let configuration = gateway.gateway.configuration
                var settings = configuration.keyChecks
                settings.healthCheckInterval = 0.2
                let client = UpstreamClient(settings: configuration.upstream)
                let prober = KeyProber(
                    client: client, upstream: configuration.upstream, checks: settings, clock: gateway.gateway.clock)
                let leadership = Leadership(lock: followerStore.makeLeaderLock())
                let service = KeyRecoveryService(
                    checker: KeyChecker(
                        pool: gateway.gateway.pool, store: gateway.gateway.store, clock: gateway.gateway.clock,
                        prober: prober),
                    settings: settings, leadership: leadership, logger: gateway.gateway.logger)
                let running = Task { try await service.run() }

                // Several intervals go by: the failed key is due, but this instance does not lead.
                try await Task.sleep(for: .seconds(1.5))
                #expect(mock.keysUsed.isEmpty)
                #expect(!leadership.isLeader)

                // The holder's session ends (as when its process dies, or at its graceful shutdown).
                await holder.release()
                let deadline = Date().addingTimeInterval(20)
                while !mock.keysUsed.contains(secret), Date() < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(mock.keysUsed.contains(secret))
                #expect(leadership.isLeader)
                running.cancel()
                _ = try? await running.value
                await leadership.release()
                try await client.http.shutdown()
            }
            try await holderStore.close()
            try await followerStore.close()
        }
    }
}
