import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// Recovery passes are called directly with a manual clock: no sleeps, no background schedule.
@Suite("Automatic recovery")
struct RecoveryTests {
    /// Runs `body` with a mock, a gateway whose background recovery is off, and a recovery service of its own.
    func withRecovery(
        _ configure: @escaping (inout GatewayConfiguration) -> Void = { _ in },
        _ body: (TestGateway, MockUpstream, KeyRecoveryService, ManualClock) async throws -> Void
    ) async throws {
        let clock = ManualClock(Date())
        try await withProxy(
            clock: clock,
            {
                $0.keyChecks.healthCheckInterval = 0
                configure(&$0)
            }
        ) { gateway, mock in
            let configuration = gateway.gateway.configuration
            var settings = configuration.keyChecks
            settings.healthCheckInterval = 600
            let client = UpstreamClient(settings: configuration.upstream)
            let prober = KeyProber(
                client: client, upstream: configuration.upstream, checks: configuration.keyChecks, clock: clock
            )
            let service = KeyRecoveryService(
                checker: KeyChecker(
                    pool: gateway.gateway.pool, store: gateway.gateway.store, clock: gateway.gateway.clock,
                    prober: prober
                ),
                settings: settings, leadership: Leadership(lock: gateway.gateway.store.makeLeaderLock()),
                logger: gateway.gateway.logger
            )
            do {
                try await body(gateway, mock, service, clock)
            } catch {
                try? await client.http.shutdown()
                throw error
            }
            try await client.http.shutdown()
        }
    }

    @Test("a rejected key is restored once the upstream accepts it again")
    func restoresRejectedKey() async throws {
        try await withRecovery { gateway, mock, recovery, clock in
            let secret = "recover-me-key-000001"
            let id = try await gateway.addKeys([secret])[0]
            mock.set(.status(401), forKey: secret)
            var pass = try await recovery.runRecoveryPass(now: clock.now)
            #expect(pass == .init())
            _ = try await gateway.runJob("/admin/keys/health-check", json: ["ids": [id]])
            #expect(gateway.gateway.pool.view(id: id)?.status == .invalid)

            pass = try await recovery.runRecoveryPass(now: clock.now)
            #expect(pass == .init(probed: 1, stillFailing: 1))
            #expect(gateway.gateway.pool.view(id: id)?.status == .invalid)

            mock.set(.ok, forKey: secret)
            pass = try await recovery.runRecoveryPass(now: clock.now)
            #expect(pass == .init(deferred: 1))
            clock.advance(by: 1200)
            pass = try await recovery.runRecoveryPass(now: clock.now)
            #expect(pass == .init(probed: 1, restored: 1))
            #expect(gateway.gateway.pool.view(id: id)?.status == .active)
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.status == 200)
        }
    }

    @Test("a key that keeps failing is probed after interval × 2ⁿ, up to the cap")
    func backoff() async throws {
        try await withRecovery { gateway, mock, recovery, clock in
            let id = try await gateway.addKeys(["backoff-key-00000001"])[0]
            mock.setDefault(.status(401))
            _ = try await gateway.runJob("/admin/keys/health-check", json: ["ids": [id]])
            let start = clock.now
            var probedAt: [TimeInterval] = []
            // Walk 5 hours in 10-minute steps and note when the key was probed.
            for step in 0...30 {
                let now = start.addingTimeInterval(Double(step) * 600)
                clock.advance(by: now.timeIntervalSince(clock.now))
                if try await recovery.runRecoveryPass(now: now).probed == 1 {
                    probedAt.append(now.timeIntervalSince(start))
                }
            }
            // Waits after failures 1, 2, 3: 1200, 2400, 4800 seconds.
            #expect(probedAt == [0, 1200, 3600, 8400, 18000])
        }
    }

    @Test("the back-off between probes never exceeds the cap")
    func backoffCap() async throws {
        try await withRecovery({ $0.keyChecks.recoveryBackoffCap = 1800 }) { gateway, mock, recovery, clock in
            let id = try await gateway.addKeys(["capped-key-000000001"])[0]
            mock.setDefault(.status(401))
            _ = try await gateway.runJob("/admin/keys/health-check", json: ["ids": [id]])
            var probes = 0
            for _ in 0..<12 {
                probes += try await recovery.runRecoveryPass(now: clock.now).probed
                clock.advance(by: 1800)
            }
            #expect(probes == 12)
        }
    }

    @Test("a key disabled by failures is restored early by a passing probe")
    func restoresFailureDisabledKey() async throws {
        try await withRecovery({
            $0.cooldown.failureThreshold = 1
            $0.upstream.maxRetries = 0
        }) { gateway, mock, recovery, clock in
            let id = try await gateway.addKeys(["disabled-by-failures-1"])[0]
            mock.setDefault(.status(500))
            let token = try await gateway.createToken()
            _ = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(gateway.gateway.pool.view(id: id)?.status == .disabled)
            mock.setDefault(.ok)
            let pass = try await recovery.runRecoveryPass(now: clock.now)
            #expect(pass.restored == 1)
            #expect(gateway.gateway.pool.view(id: id)?.status == .active)
            #expect(gateway.gateway.pool.view(id: id)?.health == KeyHealth())
        }
    }

    @Test("recovery never probes a key an admin disabled, nor cooling or expired keys")
    func leavesOthersAlone() async throws {
        try await withRecovery { gateway, mock, recovery, clock in
            let ids = try await gateway.addKeys(["admin-disabled-key-01", "cooling-key-000000002"])
            _ = try await gateway.admin(.POST, "/admin/keys/disable", json: ["id": ids[0]])
            gateway.gateway.pool.updateHealth(id: ids[1]) { health, now in
                health.condition = .cooling(until: now.addingTimeInterval(3600), reason: "rate limited (429)")
            }
            let reply = try await gateway.admin(
                .POST, "/admin/api-keys", json: ["apiKey": "expiring-key-00000003", "ttl": 60])
            #expect(reply.status == 201)
            clock.advance(by: 120)
            mock.reset()
            #expect(try await recovery.runRecoveryPass(now: clock.now) == .init())
            #expect(mock.received.isEmpty)
            #expect(gateway.gateway.pool.view(id: ids[0])?.status == .disabled)
        }
    }

    @Test("active keys idle for IDLE_PROBE_SECONDS are probed once per idle period; busy keys are not")
    func idleProbes() async throws {
        try await withRecovery({ $0.keyChecks.idleProbeSeconds = 3600 }) { gateway, mock, recovery, clock in
            let secrets = ["busy-key-000000000001", "idle-key-000000000002"]
            let ids = try await gateway.addKeys(secrets)
            #expect(try await recovery.runRecoveryPass(now: clock.now) == .init())

            clock.advance(by: 3000)
            let token = try await gateway.createToken()
            let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(reply.header("x-pool-key-id") == ids[0])

            clock.advance(by: 600)
            mock.reset()
            mock.set(.status(401), forKey: secrets[1])
            #expect(try await recovery.runRecoveryPass(now: clock.now) == .init(probed: 1, stillFailing: 1))
            #expect(mock.keysUsed == [secrets[1]])
            #expect(gateway.gateway.pool.view(id: ids[1])?.status == .invalid)
            #expect(gateway.gateway.pool.view(id: ids[0])?.status == .active)
        }
    }

    @Test("an idle key that passes is not probed again until it has been idle for another period")
    func idleProbeOncePerPeriod() async throws {
        try await withRecovery({ $0.keyChecks.idleProbeSeconds = 3600 }) { gateway, mock, recovery, clock in
            try await gateway.addKeys(["quiet-key-00000000001"])
            clock.advance(by: 3600)
            #expect(try await recovery.runRecoveryPass(now: clock.now).probed == 1)
            clock.advance(by: 3599)
            #expect(try await recovery.runRecoveryPass(now: clock.now).probed == 0)
            clock.advance(by: 1)
            #expect(try await recovery.runRecoveryPass(now: clock.now).probed == 1)
            #expect(mock.received.count == 4)
        }
    }

    @Test("recovery probes never exceed VALIDATION_CONCURRENCY")
    func concurrencyBound() async throws {
        try await withRecovery({ $0.keyChecks.concurrency = 3 }) { gateway, mock, recovery, clock in
            let ids = try await gateway.addKeys((0..<24).map { "recovery-bound-key-\(100 + $0)" })
            for id in ids {
                gateway.gateway.pool.updateHealth(id: id) { health, _ in
                    health.condition = .invalid(reason: "upstream answered 401")
                }
            }
            var slow = MockUpstream.Behavior()
            slow.delay = .milliseconds(30)
            mock.setDefault(slow)
            let pass = try await recovery.runRecoveryPass(now: clock.now)
            #expect(pass == .init(probed: 24, restored: 24))
            #expect(mock.maxConcurrentRequests <= 3)
        }
    }

    @Test(
        "HEALTH_CHECK_INTERVAL, IDLE_PROBE_SECONDS, VALIDATION_CONCURRENCY, OLLAMA_PROBE(_MODEL) and PROBE_TIMEOUT are read from the environment"
    )
    func configuration() throws {
        let configuration = try GatewayConfiguration.fromEnvironment([
            "HEALTH_CHECK_INTERVAL": "0", "IDLE_PROBE_SECONDS": "7200", "VALIDATION_CONCURRENCY": "64",
            "OLLAMA_PROBE": "models", "OLLAMA_PROBE_MODEL": "qwen3:0.6b", "PROBE_TIMEOUT": "2.5",
        ])
        var expected = KeyCheckConfiguration()
        expected.healthCheckInterval = 0
        expected.idleProbeSeconds = 7200
        expected.concurrency = 64
        expected.ollamaProbe = .models
        expected.ollamaProbeModel = "qwen3:0.6b"
        expected.probeTimeout = 2.5
        #expect(configuration.keyChecks == expected)
        #expect(try GatewayConfiguration.fromEnvironment([:]).keyChecks == KeyCheckConfiguration())
    }

    @Test(
        "bad key-check settings are refused naming the variable",
        arguments: [
            ("HEALTH_CHECK_INTERVAL", "0.01"), ("HEALTH_CHECK_INTERVAL", "-1"), ("IDLE_PROBE_SECONDS", "soon"),
            ("VALIDATION_CONCURRENCY", "0"), ("OLLAMA_PROBE", "ping"), ("PROBE_TIMEOUT", "0"),
        ])
    func badConfiguration(name: String, value: String) {
        #expect {
            try GatewayConfiguration.fromEnvironment([name: value])
        } throws: { error in
            (error as? ConfigurationError)?.description.contains(name) == true
        }
    }
}
