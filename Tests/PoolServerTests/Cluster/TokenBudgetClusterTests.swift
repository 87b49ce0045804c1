import Foundation
import NIOHTTP1
import PoolCore
import Testing

@testable import PoolServer

/// Two gateway instances on one PostgreSQL database share a 60-request-per-minute token: each serves from the
/// slices its `TokenLimitsService` leases, and together they never admit more than 60 in the minute.
@Suite("Cluster: token budgets")
struct TokenBudgetClusterTests {
    private static let encryptionKey = "token-budget-tests-key-0123456789"

    @Test(
        "two PostgreSQL instances never serve more than 60 in a window for a 60-rpm token, and nearly 60",
        .enabled(if: SharedDatabase.postgresURL != nil, "POOL_TEST_POSTGRES_URL is not set"))
    func sharedMinute() async throws {
        try await SharedDatabase.withPostgresURL { url in
            // One frozen minute for both instances: the window cannot turn during the test.
            let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_010))
            let configure: (inout GatewayConfiguration) -> Void = { configuration in
                configuration.persistence.databaseURL = url
                configuration.persistence.encryptionKey = Self.encryptionKey
            }
            let a = try await TestGateway.start(clock: clock, configure)
            let b: TestGateway
            do { b = try await TestGateway.start(clock: clock, configure) } catch {
                await a.stop()
                throw error
            }
            do {
                #expect(a.gateway.tokens.budgetMode != .whole)
                let created = try await a.admin(.POST, "/admin/tokens", json: ["name": "shared", "rpm": 60])
                let id = try #require(created.json["id"] as? String)
                var entryB: TokenRegistry.Entry?
                for _ in 0..<100 where entryB == nil {
                    entryB = b.gateway.tokens.entry(id: id)
                    if entryB == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                let limiters = [try #require(a.gateway.tokens.entry(id: id)), try #require(entryB)].map(\.limiter)
                // Both instances ask as fast as they can for three seconds while their leasers top them up.
                let deadline = ContinuousClock.now + .seconds(3)
                let served = await withTaskGroup(of: Int.self) { group in
                    for limiter in limiters {
                        group.addTask {
                            var served = 0
                            while ContinuousClock.now < deadline {
                                if case .allowed = limiter.admit(now: clock.now) { served += 1 }
                                try? await Task.sleep(for: .milliseconds(2))
                            }
                            return served
                        }
                    }
                    return await group.reduce(0, +)
                }
                #expect(served <= 60)
                #expect(served >= 60 - 2 * 6, "under-use beyond one slice per instance")
            } catch {
                Issue.record(error)
            }
            await a.stop()
            await b.stop()
        }
    }
}
