import Foundation
import PoolCore
import Testing

@Suite("Key state machine")
struct KeyHealthTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = CooldownPolicy()

    @Test(
        "upstream statuses are classified as the failure table says",
        arguments: [
            (200, AttemptOutcome.success), (201, .success), (401, .rejected(status: 401)),
            (403, .rejected(status: 403)),
            (402, .outOfCredit), (429, .rateLimited(retryAfter: nil)),
            (500, .upstreamFailure(reason: "upstream answered 500")),
            (502, .upstreamFailure(reason: "upstream answered 502")),
            (503, .upstreamFailure(reason: "upstream answered 503")),
            (400, .clientError(status: 400)), (404, .clientError(status: 404)), (413, .clientError(status: 413)),
            (422, .clientError(status: 422)),
        ])
    func classification(status: Int, expected: AttemptOutcome) {
        #expect(AttemptOutcome.classify(status: status) == expected)
    }

    @Test("which outcomes fail over to another key")
    func retryDecisions() {
        #expect(AttemptOutcome.rejected(status: 401).shouldRetryOnAnotherKey)
        #expect(AttemptOutcome.outOfCredit.shouldRetryOnAnotherKey)
        #expect(AttemptOutcome.rateLimited(retryAfter: 3).shouldRetryOnAnotherKey)
        #expect(AttemptOutcome.upstreamFailure(reason: "x").shouldRetryOnAnotherKey)
        #expect(!AttemptOutcome.success.shouldRetryOnAnotherKey)
        #expect(!AttemptOutcome.clientError(status: 400).shouldRetryOnAnotherKey)
        #expect(!AttemptOutcome.cancelled.shouldRetryOnAnotherKey)
    }

    @Test("Retry-After is read as seconds or as an HTTP date")
    func retryAfterParsing() {
        #expect(RetryAfter.seconds(from: "120", now: now) == 120)
        #expect(RetryAfter.seconds(from: " 7 ", now: now) == 7)
        let date = now.addingTimeInterval(90)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.seconds(from: formatter.string(from: date), now: now) == 90)
        #expect(RetryAfter.seconds(from: "soon", now: now) == nil)
        #expect(RetryAfter.seconds(from: "-5", now: now) == nil)
        #expect(AttemptOutcome.classify(status: 429, retryAfter: "30", now: now) == .rateLimited(retryAfter: 30))
    }

    @Test("401 and 403 make the key invalid at once")
    func rejectionInvalidates() {
        for status in [401, 403] {
            var health = KeyHealth()
            let transition = health.apply(.rejected(status: status), at: now, policy: policy)
            #expect(transition == .becameInvalid)
            #expect(health.status(at: now.addingTimeInterval(86_400 * 365), expiresAt: nil) == .invalid)
        }
    }

    @Test("a late success does not undo an invalid key")
    func successAfterInvalid() {
        var health = KeyHealth()
        health.apply(.rejected(status: 401), at: now, policy: policy)
        health.apply(.success, at: now, policy: policy)
        #expect(health.status(at: now, expiresAt: nil) == .invalid)
    }

    @Test("402 cools the key for an hour")
    func outOfCredit() {
        var health = KeyHealth()
        #expect(health.apply(.outOfCredit, at: now, policy: policy) == .cooled(until: now.addingTimeInterval(3600)))
        #expect(health.status(at: now.addingTimeInterval(3599), expiresAt: nil) == .cooling)
        #expect(health.status(at: now.addingTimeInterval(3600), expiresAt: nil) == .active)
    }

    @Test("429 with Retry-After cools the key for that long")
    func rateLimitWithRetryAfter() {
        var health = KeyHealth()
        #expect(
            health.apply(.rateLimited(retryAfter: 42), at: now, policy: policy)
                == .cooled(until: now.addingTimeInterval(42)))
    }

    @Test("429 without Retry-After backs off 60 s doubling, capped at an hour")
    func rateLimitBackoff() {
        var health = KeyHealth()
        var expected: [TimeInterval] = []
        for attempt in 0..<9 {
            let transition = health.apply(.rateLimited(retryAfter: nil), at: now, policy: policy)
            guard case .cooled(let until) = transition else {
                Issue.record("attempt \(attempt) did not cool")
                return
            }
            expected.append(until.timeIntervalSince(now))
        }
        #expect(expected == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600])
        health.apply(.success, at: now.addingTimeInterval(4000), policy: policy)
        #expect(
            health.apply(.rateLimited(retryAfter: nil), at: now, policy: policy)
                == .cooled(until: now.addingTimeInterval(60)))
    }

    @Test("failures below the threshold keep the key active; reaching it disables the key")
    func failureThreshold() {
        var health = KeyHealth()
        #expect(health.apply(.upstreamFailure(reason: "500"), at: now, policy: policy) == .unchanged)
        #expect(health.apply(.upstreamFailure(reason: "500"), at: now, policy: policy) == .unchanged)
        #expect(health.status(at: now, expiresAt: nil) == .active)
        #expect(
            health.apply(.upstreamFailure(reason: "500"), at: now, policy: policy)
                == .disabled(until: now.addingTimeInterval(3600)))
        #expect(health.status(at: now, expiresAt: nil) == .disabled)
    }

    @Test("a success resets the consecutive failure count")
    func successResetsFailures() {
        var health = KeyHealth()
        health.apply(.upstreamFailure(reason: "500"), at: now, policy: policy)
        health.apply(.upstreamFailure(reason: "500"), at: now, policy: policy)
        health.apply(.success, at: now, policy: policy)
        #expect(health.consecutiveFailures == 0)
        #expect(health.apply(.upstreamFailure(reason: "500"), at: now, policy: policy) == .unchanged)
    }

    @Test("after the disable window one trial decides: success recovers, failure re-disables with back-off")
    func trialAfterDisable() {
        var health = KeyHealth()
        for _ in 0..<3 { health.apply(.upstreamFailure(reason: "500"), at: now, policy: policy) }
        let later = now.addingTimeInterval(3600)
        #expect(health.isOnTrial(at: later))
        #expect(health.status(at: later, expiresAt: nil) == .active)

        var failing = health
        #expect(
            failing.apply(.upstreamFailure(reason: "500"), at: later, policy: policy)
                == .disabled(until: later.addingTimeInterval(7200)))

        var recovering = health
        #expect(recovering.apply(.success, at: later, policy: policy) == .recovered)
        #expect(recovering == KeyHealth())
    }

    @Test("client errors and cancellations do not touch the key")
    func notTheKeysFault() {
        var health = KeyHealth(consecutiveFailures: 2)
        #expect(health.apply(.clientError(status: 400), at: now, policy: policy) == .unchanged)
        #expect(health.apply(.cancelled, at: now, policy: policy) == .unchanged)
        #expect(health.consecutiveFailures == 2)
    }

    @Test("an admin disable holds until enabled, whatever traffic says")
    func adminDisable() {
        var health = KeyHealth()
        health.disable(for: nil, at: now)
        health.apply(.success, at: now, policy: policy)
        health.apply(.rateLimited(retryAfter: 5), at: now, policy: policy)
        #expect(health.status(at: now.addingTimeInterval(1e7), expiresAt: nil) == .disabled)
        health.enable()
        #expect(health.status(at: now, expiresAt: nil) == .active)
    }

    @Test("a timed admin disable ends by itself")
    func timedAdminDisable() {
        var health = KeyHealth()
        health.disable(for: 600, at: now)
        #expect(health.status(at: now.addingTimeInterval(599), expiresAt: nil) == .disabled)
        #expect(health.status(at: now.addingTimeInterval(600), expiresAt: nil) == .active)
    }

    @Test("an expired key reports expired whatever its condition")
    func expiry() {
        let health = KeyHealth()
        #expect(health.status(at: now, expiresAt: now) == .expired)
        #expect(health.status(at: now, expiresAt: now.addingTimeInterval(1)) == .active)
    }
}
