import Foundation
import PoolCore
import Testing

@Suite("Key state machine: probes")
struct KeyHealthProbeTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let now = KeyHealthProbeTests.now
    let policy = CooldownPolicy()

    /// Healths a key can be in before a probe, by name for readable test arguments.
    static let resting: [String: KeyHealth] = [
        "invalid": KeyHealth(condition: .invalid(reason: "upstream answered 401")),
        "cooling": KeyHealth(
            condition: .cooling(until: now.addingTimeInterval(600), reason: "rate limited (429)"),
            consecutiveRateLimits: 2),
        "disabled by failures": KeyHealth(
            condition: .disabled(until: now.addingTimeInterval(3600), reason: "3 consecutive failures"),
            consecutiveFailures: 3, failureDisables: 1
        ),
        "waiting for its trial": KeyHealth(
            condition: .disabled(until: now.addingTimeInterval(-1), reason: "3 consecutive failures"),
            consecutiveFailures: 3, failureDisables: 1
        ),
    ]

    static let everyOutcome: [ProbeOutcome] = [
        .valid, .invalid(status: 401), .invalid(status: 403), .outOfCredit, .rateLimited(retryAfter: 30),
        .rateLimited(retryAfter: nil), .upstreamError(reason: "timeout"), .inconclusive(status: 404),
    ]

    @Test("a passing probe restores a key whatever penalty it was under", arguments: resting.keys.sorted())
    func validRestores(state: String) {
        var health = Self.resting[state]!
        #expect(health.applyProbe(.valid, at: now, policy: policy) == .recovered)
        #expect(health == KeyHealth())
        #expect(health.status(at: now, expiresAt: nil) == .active)
    }

    @Test("a passing probe of a healthy key changes nothing")
    func validOnHealthyKey() {
        var health = KeyHealth()
        #expect(health.applyProbe(.valid, at: now, policy: policy) == .unchanged)
        #expect(health == KeyHealth())
    }

    @Test("no probe outcome lifts or changes an admin's disable", arguments: everyOutcome)
    func adminDisableHolds(outcome: ProbeOutcome) {
        for duration in [nil, 600.0] as [TimeInterval?] {
            var health = KeyHealth()
            health.disable(for: duration, at: now)
            let before = health
            #expect(health.applyProbe(outcome, at: now.addingTimeInterval(10), policy: policy) == .unchanged)
            #expect(health == before)
        }
    }

    @Test("a timed admin disable that has ended no longer shields the key")
    func endedAdminDisable() {
        var health = KeyHealth()
        health.disable(for: 600, at: now)
        #expect(health.isDisabledByAdmin(at: now.addingTimeInterval(599)))
        #expect(!health.isDisabledByAdmin(at: now.addingTimeInterval(600)))
        #expect(health.applyProbe(.valid, at: now.addingTimeInterval(600), policy: policy) == .recovered)
        #expect(health == KeyHealth())
    }

    @Test("401 and 403 make the key invalid, as traffic does", arguments: [401, 403])
    func rejection(status: Int) {
        var health = KeyHealth()
        #expect(health.applyProbe(.invalid(status: status), at: now, policy: policy) == .becameInvalid)
        #expect(health.status(at: now, expiresAt: nil) == .invalid)
        #expect(health.applyProbe(.invalid(status: status), at: now, policy: policy) == .unchanged)
    }

    @Test(
        "a 429 or 402 proves a rejected key genuine: it cools instead of staying invalid",
        arguments: [
            (ProbeOutcome.rateLimited(retryAfter: 30), 30.0), (.outOfCredit, 3600),
        ])
    func genuineAfterRejection(outcome: ProbeOutcome, seconds: TimeInterval) {
        var health = Self.resting["invalid"]!
        #expect(health.applyProbe(outcome, at: now, policy: policy) == .cooled(until: now.addingTimeInterval(seconds)))
        #expect(health.status(at: now, expiresAt: nil) == .cooling)
        #expect(health.status(at: now.addingTimeInterval(seconds), expiresAt: nil) == .active)
    }

    @Test("a 429 cools an active key like traffic does, and is not a dead key")
    func rateLimitCools() {
        var health = KeyHealth()
        #expect(
            health.applyProbe(.rateLimited(retryAfter: nil), at: now, policy: policy)
                == .cooled(until: now.addingTimeInterval(60)))
        #expect(health.status(at: now, expiresAt: nil) == .cooling)
        #expect(health.consecutiveFailures == 0)
    }

    @Test("an unreachable upstream counts a failure against a key in use, and enough of them disable it")
    func upstreamErrorOnActiveKey() {
        var health = KeyHealth()
        #expect(health.applyProbe(.upstreamError(reason: "timeout"), at: now, policy: policy) == .unchanged)
        #expect(health.consecutiveFailures == 1)
        health.applyProbe(.upstreamError(reason: "timeout"), at: now, policy: policy)
        #expect(
            health.applyProbe(.upstreamError(reason: "timeout"), at: now, policy: policy)
                == .disabled(until: now.addingTimeInterval(3600)))
    }

    @Test(
        "an unreachable upstream leaves a resting key as it was",
        arguments: ["invalid", "cooling", "disabled by failures"])
    func upstreamErrorOnRestingKey(state: String) {
        var health = Self.resting[state]!
        let before = health
        #expect(health.applyProbe(.upstreamError(reason: "502"), at: now, policy: policy) == .unchanged)
        #expect(health == before)
    }

    @Test("an unreachable upstream during a key's trial disables it again, for longer")
    func upstreamErrorOnTrial() {
        var health = Self.resting["waiting for its trial"]!
        #expect(
            health.applyProbe(.upstreamError(reason: "502"), at: now, policy: policy)
                == .disabled(until: now.addingTimeInterval(7200)))
    }

    @Test("an inconclusive probe changes nothing", arguments: resting.keys.sorted())
    func inconclusive(state: String) {
        var health = Self.resting[state]!
        let before = health
        #expect(health.applyProbe(.inconclusive(status: 404), at: now, policy: policy) == .unchanged)
        #expect(health == before)
    }
}
