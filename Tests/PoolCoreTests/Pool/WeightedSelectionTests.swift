import Foundation
import Testing

@testable import PoolCore

@Suite("Key pool: weights and tiers")
struct WeightedSelectionTests {
    let clock = ManualClock()

    /// A pool with one key per entry of `placements`, ids `k0`, `k1`, … in order.
    func makePool(_ placements: [KeyPlacement], models: [String] = []) -> KeyPool {
        let pool = KeyPool(clock: clock)
        pool.add(
            placements.enumerated().map { index, placement in
                KeyRecord(
                    id: "k\(index)", provider: .ollama, secret: "secret-weighted-\(index)", createdAt: clock.now,
                    models: models, placement: placement)
            })
        return pool
    }

    func lease(_ pool: KeyPool, model: String? = nil, excluding: [KeyLease] = []) -> KeyLease? {
        if case .leased(let lease) = pool.lease(provider: .ollama, model: model, excluding: excluding) { return lease }
        return nil
    }

    /// Picks `count` times, reporting success each time; returns picks per key id.
    func shares(_ pool: KeyPool, picks count: Int, model: String? = nil) -> [String: Int] {
        var counts: [String: Int] = [:]
        for _ in 0..<count {
            guard let lease = lease(pool, model: model) else {
                Issue.record("no key leased")
                break
            }
            counts[lease.key.id, default: 0] += 1
            pool.report(lease, outcome: .success, latencyMillis: 1)
        }
        return counts
    }

    @Test("weights 1, 2 and 5 get 1/8, 2/8 and 5/8 of the picks, exactly per lap")
    func weightedShares() {
        let pool = makePool([KeyPlacement(weight: 1), KeyPlacement(weight: 2), KeyPlacement(weight: 5)])
        // 1,000 picks are 125 laps of 8 places.
        let counts = shares(pool, picks: 1000)
        #expect(counts == ["k0": 125, "k1": 250, "k2": 625])
        // Within ±5 % also after a partial lap.
        let more = shares(pool, picks: 997)
        for (id, expected) in ["k0": 997.0 / 8, "k1": 997.0 * 2 / 8, "k2": 997.0 * 5 / 8] {
            #expect(abs(Double(more[id] ?? 0) - expected) <= expected * 0.05, "\(id): \(more[id] ?? 0)")
        }
    }

    @Test("every lap gives each key exactly its weight, also with many weighted keys")
    func everyLapExact() {
        let weights = [1, 3, 7, 2, 100, 1, 5]
        let pool = makePool(weights.map { KeyPlacement(weight: $0) })
        let lap = weights.reduce(0, +)
        for _ in 0..<3 {
            let counts = shares(pool, picks: lap)
            for (index, weight) in weights.enumerated() { #expect(counts["k\(index)"] == weight) }
        }
    }

    @Test("a weighted key's picks are spread over the lap, not one run")
    func scattered() {
        let pool = makePool((0..<20).map { _ in KeyPlacement() } + [KeyPlacement(weight: 20)])
        var order: [String] = []
        for _ in 0..<40 {
            let leased = lease(pool)!
            order.append(leased.key.id)
            pool.report(leased, outcome: .success, latencyMillis: 1)
        }
        #expect(order.filter { $0 == "k20" }.count == 20)
        // A run of all 20 in a row has probability far below one in a billion when places are scattered.
        var longestRun = 0
        var run = 0
        for id in order {
            run = id == "k20" ? run + 1 : 0
            longestRun = max(longestRun, run)
        }
        #expect(longestRun < 20)
    }

    @Test("tier 2 serves only while tier 1 has no usable key")
    func tierFallback() {
        let pool = makePool([KeyPlacement(tier: 1), KeyPlacement(tier: 2), KeyPlacement(tier: 1)])
        #expect(Set(shares(pool, picks: 10).keys) == ["k0", "k2"])
        pool.updateHealth(id: "k0") { health, now in health.disable(for: nil, at: now) }
        #expect(Set(shares(pool, picks: 10).keys) == ["k2"])
        pool.updateHealth(id: "k2") { health, now in health.disable(for: nil, at: now) }
        #expect(shares(pool, picks: 10) == ["k1": 10])
        pool.updateHealth(id: "k2") { health, _ in health.enable() }
        #expect(shares(pool, picks: 10) == ["k2": 10])
    }

    @Test("failover inside a request stays in tier 1 while a tier-1 key is left, then goes to tier 2")
    func failoverStaysInTier() {
        let pool = makePool([
            KeyPlacement(tier: 1), KeyPlacement(tier: 2), KeyPlacement(tier: 1), KeyPlacement(tier: 3),
            KeyPlacement(tier: 1),
        ])
        var tried: [KeyLease] = []
        for _ in 0..<3 {
            let next = lease(pool, excluding: tried)!
            #expect(["k0", "k2", "k4"].contains(next.key.id))
            tried.append(next)
        }
        let fourth = lease(pool, excluding: tried)!
        #expect(fourth.key.id == "k1")
        tried.append(fourth)
        #expect(lease(pool, excluding: tried)?.key.id == "k3")
        tried.append(lease(pool, excluding: tried)!)
        guard case .noneUsable = pool.lease(provider: .ollama, model: nil, excluding: tried) else {
            Issue.record("expected no usable key once every tier is tried")
            return
        }
    }

    @Test("setPlacement moves a key between tiers and weights, whatever its state")
    func setPlacement() {
        let pool = makePool([KeyPlacement(), KeyPlacement()])
        #expect(pool.setPlacement(keyID: "k1", KeyPlacement(weight: 3)))
        #expect(shares(pool, picks: 400) == ["k0": 100, "k1": 300])
        #expect(pool.setPlacement(keyID: "k0", KeyPlacement(weight: 1, tier: 2)))
        #expect(shares(pool, picks: 10) == ["k1": 10])
        #expect(pool.view(id: "k0")?.placement == KeyPlacement(weight: 1, tier: 2))
        // A disabled key keeps its new placement for when it returns.
        pool.updateHealth(id: "k1") { health, now in health.disable(for: nil, at: now) }
        #expect(pool.setPlacement(keyID: "k1", KeyPlacement(weight: 2, tier: 3)))
        #expect(shares(pool, picks: 5) == ["k0": 5])
        pool.updateHealth(id: "k1") { health, _ in health.enable() }
        #expect(shares(pool, picks: 5) == ["k0": 5])
        #expect(pool.setPlacement(keyID: "k1", KeyPlacement(weight: 2, tier: 1)))
        #expect(shares(pool, picks: 5) == ["k1": 5])
        #expect(!pool.setPlacement(keyID: "nope", KeyPlacement()))
    }

    @Test("removing a weighted key removes all its places; the others keep their exact shares")
    func removeWeighted() {
        let pool = makePool([KeyPlacement(weight: 2), KeyPlacement(weight: 50), KeyPlacement(weight: 3)])
        _ = shares(pool, picks: 17)
        #expect(pool.remove(ids: ["k1"]) == ["k1"])
        #expect(shares(pool, picks: 500) == ["k0": 200, "k2": 300])
        // Out of rotation and back (a cooldown) keeps the weight.
        pool.updateHealth(id: "k2") { health, now in health.disable(for: nil, at: now) }
        #expect(shares(pool, picks: 4) == ["k0": 4])
        pool.updateHealth(id: "k2") { health, _ in health.enable() }
        #expect(shares(pool, picks: 50) == ["k0": 20, "k2": 30])
    }

    @Test("model rings honour weights and tiers; keys without a model list share them")
    func modelRings() {
        let pool = KeyPool(clock: clock)
        pool.add([
            KeyRecord(
                id: "a", provider: .ollama, secret: "secret-model-a", createdAt: clock.now, models: ["llama3:latest"],
                placement: KeyPlacement(weight: 4)),
            KeyRecord(
                id: "b", provider: .ollama, secret: "secret-model-b", createdAt: clock.now, models: ["llama3", "qwen"],
                placement: KeyPlacement(weight: 1)),
            KeyRecord(
                id: "c", provider: .ollama, secret: "secret-model-c", createdAt: clock.now,
                placement: KeyPlacement(weight: 2)),
            KeyRecord(
                id: "d", provider: .ollama, secret: "secret-model-d", createdAt: clock.now, models: ["qwen"],
                placement: KeyPlacement(weight: 3, tier: 2)),
        ])
        #expect(shares(pool, picks: 140, model: "llama3") == ["a": 80, "b": 20, "c": 40])
        #expect(shares(pool, picks: 30, model: "qwen") == ["b": 10, "c": 20])
        pool.updateHealth(id: "b") { health, now in health.disable(for: nil, at: now) }
        pool.updateHealth(id: "c") { health, now in health.disable(for: nil, at: now) }
        #expect(shares(pool, picks: 5, model: "qwen") == ["d": 5])
        #expect(pool.serves(provider: .ollama, model: "qwen:latest"))
        #expect(pool.serves(provider: .ollama, model: "llama3"))
        #expect(!pool.serves(provider: .ollama, model: "mistral"))
        #expect(!pool.serves(provider: .openrouter, model: "llama3"))
    }

    @Test("a weighted key on trial gets exactly one request, whatever its weight; an expired one leaves every place")
    func weightedTrialAndExpiry() {
        let pool = KeyPool(clock: clock)
        pool.add([
            KeyRecord(
                id: "heavy", provider: .ollama, secret: "secret-heavy-1", createdAt: clock.now,
                placement: KeyPlacement(weight: 50)),
            KeyRecord(id: "light", provider: .ollama, secret: "secret-light-1", createdAt: clock.now),
            KeyRecord(
                id: "brief", provider: .ollama, secret: "secret-brief-1", createdAt: clock.now,
                expiresAt: clock.now.addingTimeInterval(5), placement: KeyPlacement(weight: 30)),
        ])
        pool.updateHealth(id: "heavy") { health, now in health.disable(for: 10, at: now) }
        clock.advance(by: 11)
        var leases: [KeyLease] = []
        for _ in 0..<60 { leases.append(lease(pool)!) }
        #expect(leases.filter { $0.key.id == "heavy" }.count == 1)
        #expect(leases.filter { $0.isTrial }.map(\.key.id) == ["heavy"])
        #expect(!leases.contains { $0.key.id == "brief" })
        for lease in leases { pool.report(lease, outcome: .success, latencyMillis: 1) }
        #expect(shares(pool, picks: 510) == ["heavy": 500, "light": 10])
    }
}
