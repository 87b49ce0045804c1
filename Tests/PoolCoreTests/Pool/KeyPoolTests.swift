import Foundation
import Testing

@testable import PoolCore

@Suite("Key pool rotation")
struct KeyPoolTests {
    let clock = ManualClock()

    func makePool(keys count: Int, provider: ProviderID = .ollama, policy: CooldownPolicy = CooldownPolicy()) -> KeyPool
    {
        let pool = KeyPool(policy: policy, clock: clock)
        pool.add(
            (0..<count).map { index in
                KeyRecord(
                    id: "k\(index)", provider: provider, secret: "secret-\(provider)-\(index)",
                    createdAt: clock.now.addingTimeInterval(Double(index)))
            })
        return pool
    }

    func leaseID(_ pool: KeyPool, excluding: [KeyLease] = [], model: String? = nil) -> String? {
        if case .leased(let lease) = pool.lease(provider: .ollama, model: model, excluding: excluding) {
            return lease.key.id
        }
        return nil
    }

    func take(_ pool: KeyPool, excluding: [KeyLease] = []) -> KeyLease? {
        if case .leased(let lease) = pool.lease(provider: .ollama, model: nil, excluding: excluding) { return lease }
        return nil
    }

    @Test("round-robin gives every healthy key the same share")
    func fairness() {
        let pool = makePool(keys: 7)
        var counts: [String: Int] = [:]
        for _ in 0..<700 {
            let lease = take(pool)!
            counts[lease.key.id, default: 0] += 1
            pool.report(lease, outcome: .success, latencyMillis: 1)
        }
        #expect(counts.count == 7)
        #expect(Set(counts.values) == [100])
    }

    @Test("a retry never gets a key the request already tried")
    func exclusion() {
        let pool = makePool(keys: 3)
        let first = take(pool)!
        let second = take(pool, excluding: [first])!
        let third = take(pool, excluding: [first, second])!
        #expect(Set([first.key.id, second.key.id, third.key.id]).count == 3)
        guard case .noneUsable = pool.lease(provider: .ollama, model: nil, excluding: [first, second, third]) else {
            Issue.record("expected no usable key")
            return
        }
    }

    @Test("an empty provider says so")
    func emptyProvider() {
        let pool = makePool(keys: 2)
        guard case .empty = pool.lease(provider: .openrouter, model: nil) else {
            Issue.record("expected .empty")
            return
        }
    }

    @Test("a cooled key leaves rotation and returns when its window ends")
    func coolingLeavesAndReturns() {
        let pool = makePool(keys: 2)
        let cooled = take(pool)!
        pool.report(cooled, outcome: .rateLimited(retryAfter: 30), latencyMillis: 1)
        for _ in 0..<5 { #expect(leaseID(pool) != cooled.key.id) }
        clock.advance(by: 30)
        var seen = Set<String>()
        for _ in 0..<4 { seen.insert(leaseID(pool)!) }
        #expect(seen.contains(cooled.key.id))
    }

    @Test("with every key resting the pool reports the earliest return")
    func earliestReturn() {
        let pool = makePool(keys: 2)
        let first = take(pool)!
        pool.report(first, outcome: .rateLimited(retryAfter: 50), latencyMillis: 1)
        let second = take(pool)!
        pool.report(second, outcome: .rateLimited(retryAfter: 20), latencyMillis: 1)
        guard case .noneUsable(let retryAt) = pool.lease(provider: .ollama, model: nil) else {
            Issue.record("expected noneUsable")
            return
        }
        #expect(retryAt == clock.now.addingTimeInterval(20))
    }

    @Test("asking when keys return leases nothing, not even a trial")
    func earliestReturnIsAQuery() {
        var policy = CooldownPolicy()
        policy.failureThreshold = 1
        let pool = makePool(keys: 2, policy: policy)
        let failing = take(pool)!
        pool.report(failing, outcome: .upstreamFailure(reason: "500"), latencyMillis: 1)
        let limited = take(pool)!
        pool.report(limited, outcome: .rateLimited(retryAfter: 7200), latencyMillis: 1)
        #expect(pool.earliestReturn(provider: .ollama) == clock.now.addingTimeInterval(3600))
        clock.advance(by: 3600)
        #expect(pool.earliestReturn(provider: .ollama) == clock.now.addingTimeInterval(3600))
        #expect(pool.earliestReturn(provider: .ollama) == clock.now.addingTimeInterval(3600))
        #expect(take(pool)?.isTrial == true)
    }

    @Test("an invalid key never returns by itself but comes back when enabled")
    func invalidUntilEnabled() {
        let pool = makePool(keys: 1)
        let only = take(pool)!
        pool.report(only, outcome: .rejected(status: 401), latencyMillis: 1)
        clock.advance(by: 1e6)
        guard case .noneUsable(nil) = pool.lease(provider: .ollama, model: nil) else {
            Issue.record("expected noneUsable without a return time")
            return
        }
        pool.updateHealth(id: only.key.id) { health, _ in health.enable() }
        #expect(leaseID(pool) == only.key.id)
    }

    @Test("a disabled key gets exactly one trial request after its window")
    func singleTrial() {
        var policy = CooldownPolicy()
        policy.failureThreshold = 1
        let pool = makePool(keys: 2, policy: policy)
        let failing = take(pool)!
        pool.report(failing, outcome: .upstreamFailure(reason: "500"), latencyMillis: 1)
        clock.advance(by: 3600)
        var trial: KeyLease?
        for _ in 0..<4 {
            let next = take(pool)!
            if next.key.id == failing.key.id {
                #expect(trial == nil, "the trial key was handed out twice")
                trial = next
            }
        }
        #expect(trial?.isTrial == true)
        pool.report(trial!, outcome: .success, latencyMillis: 1)
        var seen = 0
        for _ in 0..<4 where leaseID(pool) == failing.key.id { seen += 1 }
        #expect(seen == 2)
    }

    @Test("an expired key is skipped and shown as expired")
    func expiredKeys() {
        let pool = KeyPool(clock: clock)
        pool.add([
            KeyRecord(
                id: "short", provider: .ollama, secret: "secret-short-lived", createdAt: clock.now,
                expiresAt: clock.now.addingTimeInterval(10)),
            KeyRecord(id: "long", provider: .ollama, secret: "secret-long-lived", createdAt: clock.now),
        ])
        clock.advance(by: 10)
        for _ in 0..<4 { #expect(leaseID(pool) == "long") }
        #expect(pool.statusCounts(provider: .ollama) == [.expired: 1, .active: 1])
    }

    @Test("keys that know their models only serve those; keys without a model list serve all")
    func modelSeam() {
        let pool = KeyPool(clock: clock)
        pool.add([
            KeyRecord(
                id: "qwen", provider: .ollama, secret: "secret-qwen-only", createdAt: clock.now, models: ["qwen3"]),
            KeyRecord(
                id: "any", provider: .ollama, secret: "secret-any-model", createdAt: clock.now.addingTimeInterval(1)),
        ])
        for _ in 0..<4 { #expect(leaseID(pool, model: "llama3") == "any") }
        var seen = Set<String>()
        for _ in 0..<4 { seen.insert(leaseID(pool, model: "qwen3")!) }
        #expect(seen == ["qwen", "any"])
    }

    @Test("duplicates by secret are not added twice; removal takes keys out of rotation")
    func membership() {
        let pool = makePool(keys: 3)
        let added = pool.add([
            KeyRecord(id: "again", provider: .ollama, secret: "secret-ollama-1", createdAt: clock.now)
        ])
        #expect(added.isEmpty)
        #expect(pool.contains(secret: "secret-ollama-1", provider: .ollama))
        #expect(!pool.contains(secret: "secret-ollama-1", provider: .openrouter))
        #expect(pool.remove(ids: ["k1", "nope"]) == ["k1"])
        for _ in 0..<6 { #expect(leaseID(pool) != "k1") }
        #expect(pool.resolveID("secret-ollama-2") == "k2")
        #expect(pool.resolveID("k0") == "k0")
        #expect(pool.resolveID("secret-ollama-1") == nil)
    }

    @Test("counters add up and the changed set drains")
    func counters() {
        let pool = makePool(keys: 1)
        let only = take(pool)!
        pool.report(
            only, outcome: .success, latencyMillis: 100, usage: TokenUsage(promptTokens: 5, completionTokens: 7))
        pool.report(only, outcome: .upstreamFailure(reason: "500"), latencyMillis: 300)
        pool.report(only, outcome: .clientError(status: 400), latencyMillis: 20)
        let changed = pool.takeChangedStats()
        #expect(changed.count == 1)
        let stats = changed[0]
        #expect(stats.requests == 3 && stats.successes == 1 && stats.failures == 1)
        #expect(stats.latencyMillisSum == 420 && stats.promptTokens == 5 && stats.completionTokens == 7)
        #expect(pool.takeChangedStats().isEmpty)
        #expect(pool.takeChangedHealth().map(\.keyID) == ["k0"])
        #expect(pool.takeChangedHealth().isEmpty)
    }

    @Test("each changed key comes out once per batch, keys used again come back, removed keys are left out")
    func changedStatsQueue() {
        let pool = makePool(keys: 3)
        let first = take(pool)!
        let second = take(pool, excluding: [first])!
        for _ in 0..<5 { pool.report(first, outcome: .success, latencyMillis: 1) }
        pool.report(second, outcome: .success, latencyMillis: 1)
        #expect(Set(pool.takeChangedStats().map(\.keyID)) == [first.key.id, second.key.id])
        pool.report(first, outcome: .success, latencyMillis: 1)
        pool.report(second, outcome: .success, latencyMillis: 1)
        pool.remove(ids: [second.key.id])
        let next = pool.takeChangedStats()
        #expect(next.map(\.keyID) == [first.key.id])
        #expect(next.first?.requests == 1)  // an increment: five were taken before
        #expect(pool.view(id: first.key.id)?.stats.requests == 6)
        #expect(pool.takeChangedStats().isEmpty)
    }

    @Test("a limited take hands out the longest-waiting keys and leaves the rest queued with their counts")
    func changedStatsLimit() {
        let pool = makePool(keys: 3)
        var leases: [KeyLease] = []
        for _ in 0..<3 { leases.append(take(pool, excluding: leases)!) }
        for (index, lease) in leases.enumerated() {
            for _ in 0...index { pool.report(lease, outcome: .success, latencyMillis: 1) }
        }
        #expect(pool.changedStatsCount == 3)
        let first = pool.takeChangedStats(limit: 2)
        #expect(first.map(\.keyID) == leases.prefix(2).map(\.key.id))
        #expect(first.map(\.requests) == [1, 2])
        #expect(pool.changedStatsCount == 1)
        pool.report(leases[2], outcome: .success, latencyMillis: 1)  // still queued once
        pool.report(leases[0], outcome: .success, latencyMillis: 1)  // queued again, behind it
        #expect(pool.changedStatsCount == 2)
        let rest = pool.takeChangedStats(limit: 2)
        #expect(rest.map(\.keyID) == [leases[2].key.id, leases[0].key.id])
        #expect(rest.map(\.requests) == [4, 1])
        #expect(pool.changedStatsCount == 0 && pool.takeChangedStats(limit: 2).isEmpty)
    }

    @Test("increments start at what was loaded; the store's totals read back add other instances' share once")
    func storedTotalsAbsorbed() {
        let pool = KeyPool(clock: clock)
        let loaded = KeyStatsRecord(keyID: "k0", requests: 10, successes: 9, failures: 1, latencyMillisSum: 100)
        pool.add(
            [KeyRecord(id: "k0", provider: .ollama, secret: "secret-0", createdAt: clock.now)], stats: ["k0": loaded])
        let lease = take(pool)!
        pool.report(lease, outcome: .success, latencyMillis: 5)
        #expect(pool.takeChangedStats().map(\.requests) == [1])
        // The store now holds 11 (ours) + 4 another instance flushed; one more of ours is not flushed yet.
        pool.report(lease, outcome: .success, latencyMillis: 5)
        var stored = loaded
        stored.requests = 15
        stored.successes = 14
        stored.lastUsed = clock.now.addingTimeInterval(60)
        #expect(pool.absorbStored([stored, KeyStatsRecord(keyID: "unknown", requests: 3)]) == 1)
        #expect(pool.view(id: "k0")?.stats.requests == 16)
        #expect(pool.view(id: "k0")?.stats.lastUsed == stored.lastUsed)
        #expect(pool.absorbStored([stored]) == 0)  // read again: nothing new
        #expect(pool.view(id: "k0")?.stats.requests == 16)
        // Only this instance's unflushed request goes to the store.
        #expect(pool.takeChangedStats().map(\.requests) == [1])
    }

    @Test("a pool of 100,000 keys rotates through all of them")
    func largePool() {
        let pool = makePool(keys: 100_000)
        var seen = Set<String>()
        for _ in 0..<100_000 { seen.insert(leaseID(pool)!) }
        #expect(seen.count == 100_000)
    }
}

@Suite("Handle index")
struct HandleIndexTests {
    @Test("agrees with a dictionary through inserts, removals and regrowth")
    func agreesWithDictionary() {
        var index = HandleIndex()
        var texts: [Int: String] = [:]
        var model: [String: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        for handle in 0..<5_000 {
            let text = "k_\(handle)_\(generator.next() % 1_000)"
            texts[handle] = text
            index.insert(text, handle: handle) { texts[$0]! }
            model[text] = handle
            if handle % 3 == 0, let victim = texts.keys.randomElement(), let gone = texts[victim], model[gone] != nil {
                index.remove(gone, handle: victim)
                model[gone] = nil
            }
        }
        #expect(index.count == model.count)
        for (text, handle) in model {
            #expect(index.find(text) { texts[$0] == text } == handle)
        }
        for (handle, text) in texts where model[text] == nil {
            #expect(index.find(text) { texts[$0] == text } == nil, "removed \(handle)")
        }
        #expect(index.find("never added") { _ in false } == nil)
    }
}
