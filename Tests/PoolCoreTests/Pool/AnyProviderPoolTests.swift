import Foundation
import Testing

@testable import PoolCore

@Suite("Key pool: any provider, identity")
struct AnyProviderPoolTests {
    let clock = ManualClock()
    let groq = ProviderID(rawValue: "groq")
    let local = ProviderID(rawValue: "local")

    @Test("keys of a provider not named at init are added, leased, counted and listed after the built-ins")
    func anyProvider() {
        let pool = KeyPool(clock: clock)
        #expect(pool.providerIDs == [.ollama, .openrouter])
        guard case .empty = pool.lease(provider: groq, model: nil) else {
            Issue.record("an unknown provider has no keys")
            return
        }
        #expect(pool.count(provider: groq) == 0)
        #expect(pool.views(provider: groq).isEmpty)
        let added = pool.add([
            KeyRecord(id: "g1", provider: groq, secret: "secret-groq-1", createdAt: clock.now),
            KeyRecord(id: "l1", provider: local, secret: "", createdAt: clock.now, baseURL: "http://127.0.0.1:11434/"),
        ])
        #expect(Set(added) == ["g1", "l1"])
        #expect(pool.providerIDs == [.ollama, .openrouter, groq, local])
        guard case .leased(let lease) = pool.lease(provider: groq, model: nil) else {
            Issue.record("expected a groq key")
            return
        }
        #expect(lease.key.id == "g1")
        #expect(lease.key.provider == groq)
        pool.report(lease, outcome: .success, latencyMillis: 3)
        #expect(pool.view(id: "g1")?.stats.successes == 1)
        #expect(pool.statusCounts(provider: groq) == [.active: 1])
        #expect(pool.views().map(\.id).sorted() == ["g1", "l1"])
        guard case .leased(let endpoint) = pool.lease(provider: local, model: nil) else {
            Issue.record("expected the keyless endpoint")
            return
        }
        #expect(endpoint.key.baseURL == "http://127.0.0.1:11434")
        #expect(endpoint.key.secret == "")
        #expect(pool.remove(ids: ["g1"]) == ["g1"])
        #expect(pool.providerIDs.contains(groq))
    }

    @Test("the same secret at two base URLs is two keys; the same identity twice is one")
    func identityDuplicates() {
        let pool = KeyPool(clock: clock)
        let added = pool.add([
            KeyRecord(id: "a", provider: local, secret: "shared-secret-1", createdAt: clock.now),
            KeyRecord(
                id: "b", provider: local, secret: "shared-secret-1", createdAt: clock.now,
                baseURL: "https://one.example"),
            KeyRecord(
                id: "c", provider: local, secret: "shared-secret-1", createdAt: clock.now,
                baseURL: "https://two.example"),
            KeyRecord(
                id: "d", provider: local, secret: "shared-secret-1", createdAt: clock.now,
                baseURL: "https://one.example/"),
            KeyRecord(id: "e", provider: .ollama, secret: "shared-secret-1", createdAt: clock.now),
        ])
        #expect(Set(added) == ["a", "b", "c", "e"])
        #expect(pool.contains(secret: "shared-secret-1", provider: local))
        #expect(
            pool.contains(
                identity: KeyIdentity.of(baseURL: "https://two.example", secret: "shared-secret-1"), provider: local))
        #expect(
            !pool.contains(
                identity: KeyIdentity.of(baseURL: "https://three.example", secret: "shared-secret-1"),
                provider: local))
        #expect(
            pool.id(
                identity: KeyIdentity.of(baseURL: "https://one.example/", secret: "shared-secret-1"), provider: local)
                == "b")
        #expect(pool.view(id: "b")?.baseURL == "https://one.example")
        #expect(pool.view(id: "a")?.baseURL == nil)
        #expect(pool.resolveID("shared-secret-1", provider: local) == "a")
        // Removal frees the identity.
        pool.remove(ids: ["b"])
        #expect(
            pool.add([
                KeyRecord(
                    id: "f", provider: local, secret: "shared-secret-1", createdAt: clock.now,
                    baseURL: "https://one.example")
            ]) == ["f"])
    }

    @Test("an import's duplicates are by identity, within the list and against the pool")
    func importDuplicatesByIdentity() {
        let pool = KeyPool(clock: clock)
        pool.add([
            KeyRecord(
                id: "a", provider: local, secret: "secret-in-pool", createdAt: clock.now,
                baseURL: "https://one.example")
        ])
        let entries = [
            ImportEntry(secret: "secret-in-pool", line: 1),
            ImportEntry(secret: "secret-in-pool", line: 2, baseURL: "https://one.example"),
            ImportEntry(secret: "secret-in-pool", line: 3, baseURL: "https://two.example"),
            ImportEntry(secret: "", line: 4, baseURL: "https://two.example"),
            ImportEntry(secret: "", line: 5, baseURL: "https://two.example"),
            ImportEntry(secret: "secret-in-pool", line: 6),
        ]
        let (fresh, duplicates) = pool.newEntries(entries, provider: local)
        #expect(fresh.map(\.line) == [1, 3, 4])
        #expect(duplicates == 3)
    }

    @Test("traffic counters count any provider and start from its stored totals")
    func trafficAnyProvider() {
        let counters = TrafficCounters(stored: [GlobalStatsRecord(provider: groq, requests: 5, successes: 5)])
        #expect(counters.totals(provider: groq).requests == 5)
        #expect(counters.totals(provider: local).requests == 0)
        counters.record(provider: groq, model: "m", result: .success, at: clock.now)
        counters.record(provider: local, result: .upstreamFailure)
        #expect(counters.totals(provider: groq).requests == 6)
        #expect(counters.totals(provider: groq).successes == 6)
        #expect(counters.totals(provider: local).upstreamFailures == 1)
        let changed = counters.takeChanged(now: clock.now)
        #expect(Set(changed.totals.map(\.provider)) == [groq, local])
        #expect(changed.modelHours.map(\.provider) == [groq])
    }
}
