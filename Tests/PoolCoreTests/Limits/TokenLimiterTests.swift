import Foundation
import PoolCore
import Testing

@Suite("Token limiter")
struct TokenLimiterTests {
    /// 2027-01-15 10:00:30 UTC: half a minute into a minute.
    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_030))

    func allowed(_ decision: LimitDecision) -> RateLimitHeaders? {
        if case .allowed(let headers) = decision { return headers }
        return nil
    }

    func refused(_ decision: LimitDecision) -> LimitRefusal? {
        if case .refused(let refusal) = decision { return refusal }
        return nil
    }

    @Test("an unlimited token is always admitted, without headers, and its usage is still counted")
    func unlimited() {
        let limiter = TokenLimiter()
        for _ in 0..<1000 { #expect(allowed(limiter.admit(now: clock.now)) == RateLimitHeaders.none) }
        limiter.record(tokens: 42, now: clock.now)
        let usage = limiter.usage(now: clock.now)
        #expect(usage.minuteRequests == 1000 && usage.minuteTokens == 42)
        #expect(usage.period == .total && usage.periodRequests == 1000 && usage.periodResetsAt == nil)
    }

    @Test("rpm: exactly N admitted in a minute, then refused until the next minute with a sane Retry-After")
    func requestsPerMinute() throws {
        let limiter = TokenLimiter(policy: TokenPolicy(rpm: 5))
        for expectedRemaining in (0..<5).reversed() {
            let headers = try #require(allowed(limiter.admit(now: clock.now)))
            #expect(headers.requests == RateLimitTrio(limit: 5, remaining: expectedRemaining, resetSeconds: 30))
            #expect(headers.tokens == nil)
        }
        let refusal = try #require(refused(limiter.admit(now: clock.now)))
        #expect(refusal.kind == .requestsPerMinute && refusal.limit == 5 && refusal.retryAfter == 30)
        #expect(refusal.message.contains("5 requests per minute"))
        clock.advance(by: 29)
        #expect(refused(limiter.admit(now: clock.now))?.retryAfter == 1)
        clock.advance(by: 1)
        #expect(allowed(limiter.admit(now: clock.now))?.requests?.remaining == 4)
    }

    @Test("refused requests are not counted")
    func refusalsNotCounted() {
        let limiter = TokenLimiter(policy: TokenPolicy(rpm: 2))
        for _ in 0..<10 { _ = limiter.admit(now: clock.now) }
        #expect(limiter.usage(now: clock.now).minuteRequests == 2)
        #expect(limiter.usage(now: clock.now).periodRequests == 2)
    }

    @Test("tpm counts recorded tokens: admitted while under, refused once reached, open again next minute")
    func tokensPerMinute() throws {
        let limiter = TokenLimiter(policy: TokenPolicy(tpm: 100))
        let first = try #require(allowed(limiter.admit(now: clock.now)))
        #expect(first.tokens == RateLimitTrio(limit: 100, remaining: 100, resetSeconds: 30) && first.requests == nil)
        limiter.record(tokens: 60, now: clock.now)
        #expect(allowed(limiter.admit(now: clock.now))?.tokens?.remaining == 40)
        limiter.record(tokens: 45, now: clock.now)
        let refusal = try #require(refused(limiter.admit(now: clock.now)))
        #expect(refusal.kind == .tokensPerMinute && refusal.retryAfter == 30)
        clock.advance(by: 30)
        #expect(allowed(limiter.admit(now: clock.now))?.tokens?.remaining == 100)
    }

    @Test("a daily request quota resets at midnight UTC and says so")
    func dailyQuota() throws {
        // 23:59:00 UTC.
        let day = Int64(1_800_000_000) / 86_400 * 86_400
        let clock = ManualClock(Date(timeIntervalSince1970: Double(day + 86_400 - 60)))
        let limiter = TokenLimiter(policy: TokenPolicy(requestQuota: 3, quotaPeriod: .day))
        for _ in 0..<3 { #expect(allowed(limiter.admit(now: clock.now)) == RateLimitHeaders.none) }
        let refusal = try #require(refused(limiter.admit(now: clock.now)))
        #expect(refusal.kind == .requestQuota && refusal.period == .day && refusal.retryAfter == 60)
        #expect(refusal.resetsAt == Date(timeIntervalSince1970: Double(day + 86_400)))
        #expect(refusal.message.contains("request quota exhausted") && refusal.message.contains("per day"))
        clock.advance(by: 59)
        #expect(refused(limiter.admit(now: clock.now)) != nil)
        clock.advance(by: 1)
        #expect(allowed(limiter.admit(now: clock.now)) != nil)
        #expect(limiter.usage(now: clock.now).periodRequests == 1)
    }

    @Test("a monthly token quota holds across days and resets on the 1st")
    func monthlyTokenQuota() throws {
        // 2027-01-31 12:00 UTC.
        let start = QuotaPeriod.month.bounds(containing: Date(timeIntervalSince1970: 1_800_000_000))
        let clock = ManualClock(Date(timeIntervalSince1970: Double(start.end - 43_200)))
        let limiter = TokenLimiter(policy: TokenPolicy(tokenQuota: 1000, quotaPeriod: .month))
        _ = limiter.admit(now: clock.now)
        limiter.record(tokens: 1000, now: clock.now)
        let refusal = try #require(refused(limiter.admit(now: clock.now)))
        #expect(refusal.kind == .tokenQuota && refusal.retryAfter == 43_200)
        clock.advance(by: 43_200)
        #expect(allowed(limiter.admit(now: clock.now)) != nil)
    }

    @Test("a total quota never resets: no Retry-After")
    func totalQuota() throws {
        let limiter = TokenLimiter(policy: TokenPolicy(requestQuota: 1))
        _ = limiter.admit(now: clock.now)
        clock.advance(by: 400 * 86_400)
        let refusal = try #require(refused(limiter.admit(now: clock.now)))
        #expect(refusal.retryAfter == nil && refusal.resetsAt == nil && refusal.message.contains("does not reset"))
    }

    @Test("stored usage of the current day and month seeds the quotas; stale rows do not")
    func seeding() throws {
        let now = clock.now
        let day = QuotaPeriod.day.bounds(containing: now).start
        let month = QuotaPeriod.month.bounds(containing: now).start
        let limiter = TokenLimiter(policy: TokenPolicy(requestQuota: 10, quotaPeriod: .day))
        limiter.seed(
            TokenUsageTotals(
                tokenID: "t", dayStart: day, dayRequests: 9, monthStart: month, monthRequests: 50, totalRequests: 70),
            now: now)
        #expect(allowed(limiter.admit(now: now)) != nil)
        #expect(refused(limiter.admit(now: now))?.kind == .requestQuota)
        limiter.update(policy: TokenPolicy(requestQuota: 60, quotaPeriod: .month))
        #expect(limiter.usage(now: now).periodRequests == 51)
        let stale = TokenLimiter(policy: TokenPolicy(requestQuota: 10, quotaPeriod: .day))
        stale.seed(TokenUsageTotals(tokenID: "t", dayStart: day - 86_400, dayRequests: 10, monthStart: month), now: now)
        #expect(allowed(stale.admit(now: now)) != nil)
    }

    @Test("usage is handed to the store once, per UTC day, and can be put back")
    func usageDeltas() {
        let day = Int64(1_800_000_000) / 86_400 * 86_400
        let clock = ManualClock(Date(timeIntervalSince1970: Double(day + 86_400 - 1)))
        let limiter = TokenLimiter()
        _ = limiter.admit(now: clock.now)
        limiter.record(tokens: 7, now: clock.now)
        clock.advance(by: 1)
        _ = limiter.admit(now: clock.now)
        let deltas = limiter.takeUsage(tokenID: "t")
        #expect(
            deltas == [
                TokenUsageDelta(tokenID: "t", dayStart: day, requests: 1, tokens: 7),
                TokenUsageDelta(tokenID: "t", dayStart: day + 86_400, requests: 1, tokens: 0),
            ])
        #expect(limiter.takeUsage(tokenID: "t").isEmpty)
        limiter.restore(deltas)
        #expect(limiter.takeUsage(tokenID: "t").reduce(0) { $0 + $1.requests } == 2)
    }

    @Test("a lowered limit applies at once, a raised one opens again")
    func policyChange() {
        let limiter = TokenLimiter(policy: TokenPolicy(rpm: 10))
        for _ in 0..<5 { _ = limiter.admit(now: clock.now) }
        limiter.update(policy: TokenPolicy(rpm: 5))
        #expect(refused(limiter.admit(now: clock.now)) != nil)
        limiter.update(policy: TokenPolicy(rpm: 6))
        #expect(allowed(limiter.admit(now: clock.now)) != nil)
        limiter.update(policy: TokenPolicy())
        #expect(allowed(limiter.admit(now: clock.now)) == RateLimitHeaders.none)
    }

    @Test("the first limit reached is the one reported (rpm before quota)")
    func order() {
        let limiter = TokenLimiter(policy: TokenPolicy(rpm: 1, requestQuota: 1))
        _ = limiter.admit(now: clock.now)
        #expect(refused(limiter.admit(now: clock.now))?.kind == .requestsPerMinute)
        clock.advance(by: 60)
        #expect(refused(limiter.admit(now: clock.now))?.kind == .requestQuota)
    }

    @Test("concurrent admissions never exceed the limit")
    func concurrent() async {
        let limiter = TokenLimiter(policy: TokenPolicy(rpm: 500))
        let now = clock.now
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<200 { if case .allowed = limiter.admit(now: now) { count += 1 } }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 500)
    }
}
