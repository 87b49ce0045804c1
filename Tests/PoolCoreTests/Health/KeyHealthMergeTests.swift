import Foundation
import Testing

@testable import PoolCore

/// The rule by which instances combine their decisions about one key (`KeyHealth.merge`).
@Suite("Key health merge across instances")
struct KeyHealthMergeTests {
    let clock = ManualClock()

    private func cooling(_ seconds: TimeInterval) -> KeyHealth {
        KeyHealth(condition: .cooling(until: clock.now.addingTimeInterval(seconds), reason: "rate limited (429)"))
    }

    private func disabled(_ seconds: TimeInterval?) -> KeyHealth {
        KeyHealth(condition: .disabled(until: seconds.map { clock.now.addingTimeInterval($0) }, reason: "failures"))
    }

    private let invalid = KeyHealth(condition: .invalid(reason: "upstream answered 401"))

    @Test("a later cooldown wins over an earlier one, whichever arrives last")
    func laterCooldownWins() {
        var changed: Bool
        var health = cooling(300)
        changed = health.merge(cooling(60), at: clock.now)
        #expect(!changed)
        #expect(health == cooling(300))
        changed = health.merge(cooling(600), at: clock.now)
        #expect(changed)
        #expect(health == cooling(600))
        // A windowed disable and a cooldown compare by their ends too.
        changed = health.merge(disabled(120), at: clock.now)
        #expect(!changed)
        changed = health.merge(disabled(900), at: clock.now)
        #expect(changed)
        #expect(health == disabled(900))
    }

    @Test("a stale active undoes no penalty still in force, and takes over once the window has passed")
    func staleActive() {
        var changed: Bool
        let active = KeyHealth(consecutiveFailures: 0)
        for penalty in [cooling(30), disabled(30), disabled(nil), invalid] {
            var health = penalty
            changed = health.merge(active, at: clock.now)
            #expect(!changed)
            #expect(health == penalty)
        }
        var cooled = cooling(30)
        clock.advance(by: 31)
        changed = cooled.merge(KeyHealth(consecutiveFailures: 1), at: clock.now)
        #expect(changed)
        #expect(cooled.condition == .active && cooled.consecutiveFailures == 1)
    }

    @Test("invalid beats windows and active; an indefinite disable beats invalid")
    func strength() {
        var changed: Bool
        var health = cooling(3600)
        changed = health.merge(invalid, at: clock.now)
        #expect(changed)
        #expect(health == invalid)
        changed = health.merge(cooling(7200), at: clock.now)
        #expect(!changed)
        changed = health.merge(disabled(7200), at: clock.now)
        #expect(!changed)
        changed = health.merge(disabled(nil), at: clock.now)
        #expect(changed)
        changed = health.merge(invalid, at: clock.now)
        #expect(!changed)
        #expect(health == disabled(nil))
    }

    @Test("the same decision merges to no change; pool merges move rotation but are not queued for publishing")
    func poolMerge() {
        var changed: Bool
        let pool = KeyPool(clock: clock)
        pool.add([KeyRecord(id: "k0", provider: .ollama, secret: "secret-0", createdAt: clock.now)])
        var same = cooling(10)
        changed = same.merge(cooling(10), at: clock.now)
        #expect(!changed)
        #expect(pool.mergeHealth(id: "k0", invalid))
        if case .leased = pool.lease(provider: .ollama, model: nil) { Issue.record("an invalid key was leased") }
        #expect(!pool.mergeHealth(id: "k0", KeyHealth()))
        #expect(!pool.mergeHealth(id: "unknown", invalid))
        #expect(pool.takeChangedHealth().isEmpty)
        // An admin's enable replaces (it is not merged).
        pool.updateHealth(id: "k0") { health, _ in health.enable() }
        #expect(pool.view(id: "k0")?.status == .active)
    }

    @Test("a probe that lifts a penalty is published as a replacement, other health changes to be merged")
    func liftedByProbe() {
        let pool = KeyPool(clock: clock)
        pool.add([
            KeyRecord(id: "k0", provider: .ollama, secret: "secret-0", createdAt: clock.now, health: invalid),
            KeyRecord(id: "k1", provider: .ollama, secret: "secret-1", createdAt: clock.now),
        ])
        _ = pool.applyProbe(id: "k0", outcome: .valid)
        _ = pool.applyProbe(id: "k1", outcome: .invalid(status: 401))
        #expect(pool.takeLiftedHealth().map(\.keyID) == ["k0"])
        #expect(pool.takeChangedHealth().map(\.keyID) == ["k1"])
        #expect(pool.takeLiftedHealth().isEmpty)
        // A 429 proves a rejected key genuine: lifted too, though it now cools.
        _ = pool.applyProbe(id: "k1", outcome: .rateLimited(retryAfter: 30))
        #expect(pool.takeLiftedHealth().map(\.health.condition.endsAt) == [clock.now.addingTimeInterval(30)])
        #expect(pool.takeChangedHealth().isEmpty)
    }

    @Test("published health says when it was decided; an admin's change drops a decision not yet published")
    func decisionTimes() {
        let pool = KeyPool(clock: clock)
        pool.add([
            KeyRecord(id: "k0", provider: .ollama, secret: "secret-0", createdAt: clock.now, health: invalid),
            KeyRecord(id: "k1", provider: .ollama, secret: "secret-1", createdAt: clock.now),
        ])
        let decided = clock.now
        _ = pool.applyProbe(id: "k0", outcome: .valid)
        _ = pool.applyProbe(id: "k1", outcome: .invalid(status: 401))
        clock.advance(by: 5)
        #expect(pool.takeLiftedHealth().map(\.decidedAt) == [decided])
        #expect(pool.takeChangedHealth().map(\.decidedAt) == [decided])
        // Admin changes are newer than the decisions still waiting to be published: those are not published.
        pool.add([KeyRecord(id: "k2", provider: .ollama, secret: "secret-2", createdAt: clock.now)])
        _ = pool.applyProbe(id: "k2", outcome: .invalid(status: 401))
        _ = pool.applyProbe(id: "k1", outcome: .valid)
        pool.updateHealth(id: "k2") { health, _ in health.enable() }
        pool.updateHealth(id: "k1") { health, now in health.disable(for: nil, at: now) }
        #expect(pool.takeChangedHealth().isEmpty)
        #expect(pool.takeLiftedHealth().isEmpty)
    }
}
