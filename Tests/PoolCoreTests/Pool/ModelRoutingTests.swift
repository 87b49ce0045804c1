import Foundation
import PoolCore
import Testing

@Suite("Key pool: routing by model")
struct ModelRoutingTests {
    let clock = ManualClock()

    /// A pool whose keys list the given models (an empty list: models unknown).
    func makePool(_ keys: [(id: String, models: [String])]) -> KeyPool {
        let pool = KeyPool(clock: clock)
        pool.add(
            keys.enumerated().map { index, key in
                KeyRecord(
                    id: key.id, provider: .ollama, secret: "secret-\(key.id)-0000",
                    createdAt: clock.now.addingTimeInterval(Double(index)),
                    models: key.models
                )
            })
        return pool
    }

    func leases(_ pool: KeyPool, model: String?, count: Int) -> [String] {
        (0..<count).compactMap { _ in
            if case .leased(let lease) = pool.lease(provider: .ollama, model: model) { return lease.key.id }
            return nil
        }
    }

    @Test("a request for a model goes only to keys that list it and keys whose models are unknown")
    func onlyServingKeys() {
        let pool = makePool([
            ("qwen", ["qwen3:8b"]), ("llama", ["llama3:8b"]), ("both", ["qwen3:8b", "llama3:8b"]), ("unknown", []),
        ])
        let chosen = leases(pool, model: "qwen3:8b", count: 30)
        #expect(Set(chosen) == ["qwen", "both", "unknown"])
        #expect(chosen.count == 30)
    }

    @Test("round-robin over the eligible keys is fair")
    func fairness() {
        let pool = makePool([("a", ["m"]), ("b", ["m"]), ("c", ["other"]), ("d", []), ("e", [])])
        var counts: [String: Int] = [:]
        for id in leases(pool, model: "m", count: 400) { counts[id, default: 0] += 1 }
        #expect(counts == ["a": 100, "b": 100, "d": 100, "e": 100])
    }

    @Test("a request without a model may use any usable key")
    func noModel() {
        let pool = makePool([("a", ["m"]), ("b", ["n"]), ("c", [])])
        #expect(Set(leases(pool, model: nil, count: 9)) == ["a", "b", "c"])
    }

    @Test("a model no key serves is reported as such, not as a pool with no usable key")
    func modelNotServed() {
        let pool = makePool([("a", ["qwen3:8b"]), ("b", ["llama3:8b"])])
        guard case .modelNotServed(let model) = pool.lease(provider: .ollama, model: "kimi-k2:1t") else {
            Issue.record("expected modelNotServed")
            return
        }
        #expect(model == "kimi-k2:1t")
    }

    @Test("when the keys that serve a model are all resting the pool says none is usable, with the return time")
    func servingKeysResting() {
        let pool = makePool([("a", ["qwen3:8b"]), ("b", ["llama3:8b"])])
        guard case .leased(let lease) = pool.lease(provider: .ollama, model: "qwen3:8b") else {
            Issue.record("expected a lease")
            return
        }
        pool.report(lease, outcome: .rateLimited(retryAfter: 40), latencyMillis: 1)
        guard case .noneUsable(let retryAt) = pool.lease(provider: .ollama, model: "qwen3:8b") else {
            Issue.record("expected noneUsable")
            return
        }
        #expect(retryAt == clock.now.addingTimeInterval(40))
        clock.advance(by: 40)
        #expect(leases(pool, model: "qwen3:8b", count: 2) == ["a", "a"])
    }

    @Test("a key whose models are unknown keeps every model servable")
    func unknownKeysServeEverything() {
        let pool = makePool([("a", ["qwen3:8b"]), ("unknown", [])])
        #expect(leases(pool, model: "anything-at-all", count: 3) == ["unknown", "unknown", "unknown"])
    }

    @Test(
        "`name` and `name:latest` are the same model",
        arguments: [("llama3", "llama3:latest"), ("llama3:latest", "llama3")])
    func latestTag(requested: String, listed: String) {
        let pool = makePool([("a", [listed])])
        #expect(leases(pool, model: requested, count: 2) == ["a", "a"])
    }

    @Test("learning a key's models moves it between the model rings at once")
    func profileUpdate() {
        let pool = makePool([("a", []), ("b", ["qwen3:8b"])])
        pool.updateProfile(KeyProfileRecord(keyID: "a", models: ["llama3:8b"], category: "llama"))
        #expect(leases(pool, model: "qwen3:8b", count: 4) == ["b", "b", "b", "b"])
        #expect(leases(pool, model: "llama3:8b", count: 2) == ["a", "a"])
        #expect(pool.view(id: "a")?.category == "llama")
        pool.updateProfile(KeyProfileRecord(keyID: "b", models: ["llama3:8b"], category: "llama"))
        guard case .modelNotServed = pool.lease(provider: .ollama, model: "qwen3:8b") else {
            Issue.record("expected modelNotServed once no key lists the model")
            return
        }
    }

    @Test("deleting the only key that serves a model makes the model unserved")
    func removal() {
        let pool = makePool([("a", ["qwen3:8b"]), ("b", ["llama3:8b"])])
        pool.remove(ids: ["a"])
        guard case .modelNotServed = pool.lease(provider: .ollama, model: "qwen3:8b") else {
            Issue.record("expected modelNotServed")
            return
        }
    }

    @Test("a disabled key that serves a model gets its single trial from model requests too")
    func trialThroughModelRing() {
        var policy = CooldownPolicy()
        policy.failureThreshold = 1
        let pool = KeyPool(policy: policy, clock: clock)
        pool.add([
            KeyRecord(id: "a", provider: .ollama, secret: "secret-a-00000000", createdAt: clock.now, models: ["m"])
        ])
        guard case .leased(let first) = pool.lease(provider: .ollama, model: "m") else {
            Issue.record("expected a lease")
            return
        }
        pool.report(first, outcome: .upstreamFailure(reason: "500"), latencyMillis: 1)
        clock.advance(by: 3600)
        guard case .leased(let trial) = pool.lease(provider: .ollama, model: "m") else {
            Issue.record("expected the trial lease")
            return
        }
        #expect(trial.isTrial)
        guard case .noneUsable = pool.lease(provider: .ollama, model: "m") else {
            Issue.record("the trial key was handed out twice")
            return
        }
    }

    @Test("probe results reach health through the pool and are kept for the next flush")
    func probeThroughPool() {
        let pool = makePool([("a", [])])
        _ = pool.takeChangedHealth()
        let applied = pool.applyProbe(id: "a", outcome: .invalid(status: 401))
        #expect(applied?.transition == .becameInvalid)
        #expect(pool.view(id: "a")?.status == .invalid)
        #expect(pool.takeChangedHealth().map(\.keyID) == ["a"])
        #expect(pool.applyProbe(id: "a", outcome: .valid)?.transition == .recovered)
        #expect(leases(pool, model: "m", count: 1) == ["a"])
        #expect(pool.applyProbe(id: "missing", outcome: .valid) == nil)
    }

    @Test("a pool of 20,000 keys in 50 model groups routes a model to its 400 keys only")
    func largePool() {
        let pool = KeyPool(clock: clock)
        pool.add(
            (0..<20_000).map { index in
                KeyRecord(
                    id: "k\(index)", provider: .ollama, secret: "secret-large-\(index)", createdAt: clock.now,
                    models: ["model-\(index % 50)"])
            })
        let chosen = leases(pool, model: "model-7", count: 800)
        #expect(Set(chosen).count == 400)
        #expect(chosen.allSatisfy { Int($0.dropFirst())! % 50 == 7 })
    }
}
