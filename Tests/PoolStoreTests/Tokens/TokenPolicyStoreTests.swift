import Foundation
import PoolCore
import PoolStore
import Testing

/// Token policies, usage and budget leases on every store (PostgreSQL when a test server runs).
@Suite("Token policies in the store")
struct TokenPolicyStoreTests {
    let policy = TokenPolicy(
        rpm: 60, tpm: 10_000, requestQuota: 500, tokenQuota: 1_000_000, quotaPeriod: .month,
        models: ["qwen*", "gpt-4o"],
        cacheScope: .shared, cacheTTL: 120, note: "team a")

    func token(_ name: String, policy: TokenPolicy = TokenPolicy()) -> ClientTokenRecord {
        ClientTokenFactory.make(
            name: name, createdAt: Date(timeIntervalSince1970: 1_800_000_000), expiresAt: nil, provider: nil,
            policy: policy
        ).record
    }

    @Test(
        "a policy is stored with its token, changed by an update, and read back by another store object",
        arguments: JobStoreKind.tested)
    func policyRoundTrip(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let a = try await open()
            let limited = token("limited", policy: policy)
            let plain = token("plain")
            try await a.insertToken(limited)
            try await a.insertToken(plain)
            let b = try await open()
            let revision = try await b.revision()
            let loaded = try await b.loadSnapshot().tokens
            #expect(loaded.first { $0.id == limited.id }?.policy == policy)
            #expect(loaded.first { $0.id == plain.id }?.policy == TokenPolicy())

            var changed = limited
            changed.policy = TokenPolicy(rpm: 5, models: ["llama*"])
            changed.name = "renamed"
            #expect(try await a.updateToken(changed))
            var unknown = plain
            unknown.id = "tok_missing"
            #expect(try await !a.updateToken(unknown))
            let reread = try await b.loadSnapshot().tokens.first { $0.id == limited.id }
            #expect(reread?.policy == changed.policy && reread?.name == "renamed")
            #expect(reread?.tokenHash == limited.tokenHash)
            if kind != .memory {
                // The change log carries the new policy to the other instance.
                let changes = try await b.changes(after: revision)
                #expect(changes.tokens.first { $0.id == limited.id }?.policy == changed.policy)
            }
        }
    }

    @Test(
        "usage adds up per UTC day into today, this month and in total; a deleted token's rows are skipped",
        arguments: JobStoreKind.tested)
    func usage(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let store = try await open()
            let a = token("a")
            let b = token("b")
            try await store.insertToken(a)
            try await store.insertToken(b)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let today = QuotaPeriod.day.bounds(containing: now).start
            let month = QuotaPeriod.month.bounds(containing: now).start
            try await store.addTokenUsage([
                TokenUsageDelta(tokenID: a.id, dayStart: today, requests: 2, tokens: 30),
                TokenUsageDelta(tokenID: a.id, dayStart: today, requests: 1, tokens: 5),
                TokenUsageDelta(tokenID: a.id, dayStart: month, requests: 10, tokens: 100),
                TokenUsageDelta(tokenID: a.id, dayStart: month - 86_400, requests: 100, tokens: 1000),
                TokenUsageDelta(tokenID: "tok_gone", dayStart: today, requests: 1, tokens: 1),
            ])
            try await store.addTokenUsage([TokenUsageDelta(tokenID: b.id, dayStart: today, requests: 4, tokens: 0)])
            let usage = try await store.tokenUsage(now: now)
            let sameDay = today == month
            #expect(
                usage.first { $0.tokenID == a.id }
                    == TokenUsageTotals(
                        tokenID: a.id, dayStart: today, dayRequests: sameDay ? 13 : 3, dayTokens: sameDay ? 135 : 35,
                        monthStart: month, monthRequests: 13, monthTokens: 135, totalRequests: 113, totalTokens: 1135))
            #expect(usage.first { $0.tokenID == b.id }?.dayRequests == 4)
            #expect(!usage.contains { $0.tokenID == "tok_gone" })
        }
    }

    @Test("budget leases from several store objects never add up past the limit", arguments: JobStoreKind.tested)
    func leases(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let stores = [try await open(), try await open()]
            let request = BudgetRequest(kind: .requestsPerMinute, windowStart: 1_800_000_000, amount: 7, limit: 60)
            let granted = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    let store = stores[index % 2]
                    group.addTask { try await store.leaseTokenBudget(tokenID: "tok_x", request: request).granted }
                }
                return try await group.reduce(0, +)
            }
            #expect(granted == 60)
            let next = try await stores[0].leaseTokenBudget(tokenID: "tok_x", request: request)
            #expect(next.granted == 0 && next.requested == 7)
            var other = request
            other.windowStart += 60
            #expect(try await stores[1].leaseTokenBudget(tokenID: "tok_x", request: other).granted == 7)
        }
    }
}

extension TokenPolicyStoreTests {
    @Test(
        "two instances leasing slices of a 60-rpm token's minute serve at most 60 together, and all but a slice each",
        arguments: JobStoreKind.tested)
    func twoInstancesShareOneBudget(kind: JobStoreKind) async throws {
        try await kind.with { open in
            let stores = [try await open(), try await open()]
            // A fixed minute: the test does not depend on when it runs.
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let limiters = stores.map { _ in
                TokenLimiter(policy: TokenPolicy(rpm: 60), mode: .leased(sliceFraction: 0.1))
            }
            let served = try await withThrowingTaskGroup(of: Int.self) { group in
                for (store, limiter) in zip(stores, limiters) {
                    group.addTask {
                        var served = 0
                        // Each instance: serve what its slice allows, lease more off the "request path", repeat.
                        for _ in 0..<200 {
                            if case .allowed = limiter.admit(now: now) { served += 1 }
                            for request in limiter.budgetRequests(now: now) {
                                limiter.grant(try await store.leaseTokenBudget(tokenID: "tok_shared", request: request))
                            }
                        }
                        return served
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(served <= 60)
            #expect(served >= 60 - 2 * 6)
        }
    }
}
