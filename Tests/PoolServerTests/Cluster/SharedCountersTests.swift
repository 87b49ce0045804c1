import Foundation
import Logging
import PoolCore
import PoolServer
import PoolStore
import Testing

/// Several gateway instances on one database: each flush adds what that instance counted, so the stored totals
/// are the sum of every instance's traffic, whichever instance loaded what when.
@Suite("Several instances on one database: counters add up")
struct SharedCountersTests {
    private static let now = Date()

    private func open(_ store: any PoolStore) async throws -> Gateway {
        try await Gateway.load(
            from: store, configuration: GatewayConfiguration(), logger: SharedDatabase.logger,
            announceAdminToken: { _ in })
    }

    /// `count` requests through `gateway`: each leases the key, succeeds, and is counted for the token and
    /// the model's hour.
    private func serve(_ count: Int, on gateway: Gateway) throws {
        let token = try #require(gateway.tokens.entries().first)
        for _ in 0..<count {
            guard case .leased(let lease) = gateway.pool.lease(provider: .ollama, model: nil) else {
                Issue.record("no key to lease")
                return
            }
            gateway.pool.report(lease, outcome: .success, latencyMillis: 10)
            token.countRequest()
            gateway.traffic.record(provider: .ollama, model: "m", result: .success, at: Self.now)
        }
    }

    @Test(
        "two instances counting the same key and token: the store holds the sum, across flushes and restarts",
        arguments: SharedDatabase.tested)
    func countersAddUp(database: SharedDatabase) async throws {
        try await database.with { openStore in
            let seeding = try await openStore()
            let key = KeyRecord(provider: .ollama, secret: "sk-shared-by-instances-0001", createdAt: Self.now)
            _ = try await seeding.insertKeys([key])
            try await seeding.insertToken(
                ClientTokenRecord(
                    id: "tok_shared", name: "shared", tokenHash: "hash-shared", prefix: "sk-shar", createdAt: Self.now,
                    expiresAt: nil, provider: nil))
            try await seeding.close()

            let storeA = try await openStore()
            let storeB = try await openStore()
            let a = try await open(storeA)
            let b = try await open(storeB)
            try serve(7, on: a)
            try serve(5, on: b)
            await a.statsWriter.flush()
            await b.statsWriter.flush()
            try serve(2, on: a)
            await a.statsWriter.flush()
            await a.statsWriter.flush()  // nothing new: adds nothing

            // A restarted instance starts from the stored totals and adds only what it counts after.
            try await storeA.close()
            let storeC = try await openStore()
            let c = try await open(storeC)
            #expect(c.pool.view(id: key.id)?.stats.requests == 14)
            try serve(3, on: c)
            await c.statsWriter.flush()
            try serve(1, on: b)
            await b.statsWriter.flush()

            let snapshot = try await storeC.loadSnapshot()
            #expect(snapshot.keyStats.map(\.requests) == [18])
            #expect(snapshot.keyStats.map(\.successes) == [18])
            #expect(snapshot.keyStats.map(\.latencyMillisSum) == [180])
            #expect(snapshot.tokens.map(\.requestCount) == [18])
            #expect(snapshot.globalStats.first { $0.provider == .ollama }?.requests == 18)
            #expect(snapshot.modelHours.filter { $0.model == "m" }.map(\.requests) == [18])
            try await storeB.close()
            try await storeC.close()
        }
    }
}
