import Foundation
import PoolCore
import Testing

/// Several instances: each serves from slices it leased; a fake "store" here is a counter per window that never
/// leases past the limit, as the PostgreSQL UPDATE does.
@Suite("Budget slices")
struct BudgetSliceTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    /// The store's side: leased amount per (kind, window).
    final class Ledger: @unchecked Sendable {
        var leased: [String: Int] = [:]

        func lease(_ request: BudgetRequest) -> BudgetGrant {
            let key = "\(request.kind.rawValue)@\(request.windowStart)"
            let already = leased[key, default: 0]
            let granted = max(0, min(request.amount, request.limit - already))
            leased[key] = already + granted
            return BudgetGrant(
                kind: request.kind, windowStart: request.windowStart, requested: request.amount, granted: granted)
        }

        func serve(_ limiter: TokenLimiter, now: Date) {
            for request in limiter.budgetRequests(now: now) { limiter.grant(lease(request)) }
        }
    }

    @Test("with the whole budget no lease is asked for")
    func whole() {
        #expect(TokenLimiter(policy: TokenPolicy(rpm: 5)).budgetRequests(now: clock.now).isEmpty)
    }

    @Test("a leased limiter refuses until it holds a slice, then serves exactly what it was granted")
    func leasing() {
        let ledger = Ledger()
        let limiter = TokenLimiter(policy: TokenPolicy(rpm: 60), mode: .leased(sliceFraction: 0.1))
        guard case .refused(let first) = limiter.admit(now: clock.now) else {
            Issue.record("admitted without a slice")
            return
        }
        #expect(first.retryAfter == 1)
        let requests = limiter.budgetRequests(now: clock.now)
        #expect(
            requests == [
                BudgetRequest(kind: .requestsPerMinute, windowStart: 1_800_000_000 / 60 * 60, amount: 6, limit: 60)
            ])
        #expect(limiter.budgetRequests(now: clock.now).isEmpty)  // still pending
        for request in requests { limiter.grant(ledger.lease(request)) }
        var served = 0
        for _ in 0..<10 { if case .allowed = limiter.admit(now: clock.now) { served += 1 } }
        #expect(served == 6)
    }

    @Test("two instances sharing a 60-rpm budget serve at most 60 in a window together, and nearly all of it")
    func twoInstances() {
        let ledger = Ledger()
        let instances = (0..<2).map { _ in TokenLimiter(policy: TokenPolicy(rpm: 60), mode: .leased(sliceFraction: 0.1))
        }
        var served = 0
        for step in 0..<300 {
            let limiter = instances[step % 2]
            ledger.serve(limiter, now: clock.now)
            if case .allowed = limiter.admit(now: clock.now) { served += 1 }
        }
        #expect(served == 60)
        // Once spent, a refusal points at the next window.
        if case .refused(let refusal) = instances[0].admit(now: clock.now) {
            #expect(refusal.retryAfter ?? 0 > 1)
        } else {
            Issue.record("admitted past the shared limit")
        }
    }

    @Test("a slice for the next window is leased shortly before it, so the new minute starts served")
    func prefetch() {
        let ledger = Ledger()
        let limiter = TokenLimiter(policy: TokenPolicy(rpm: 10), mode: .leased(sliceFraction: 0.5))
        let minute = Int64(1_800_000_000) / 60 * 60
        let clock = ManualClock(Date(timeIntervalSince1970: Double(minute + 55)))
        ledger.serve(limiter, now: clock.now)
        for _ in 0..<5 { _ = limiter.admit(now: clock.now) }
        ledger.serve(limiter, now: clock.now)  // the rest of this minute
        ledger.serve(limiter, now: clock.now)  // nothing left here: the next minute
        #expect(ledger.leased["rpm@\(minute + 60)"] == 5)
        clock.advance(by: 5)
        guard case .allowed = limiter.admit(now: clock.now) else {
            Issue.record("the new minute started without its prefetched slice")
            return
        }
    }
}
