import Foundation
import Synchronization

/// One client token's limits and usage in memory. Answers on the request path synchronously, in one short
/// critical section and without allocating: ``admit(now:)`` before a key is spent, ``record(tokens:now:)`` once
/// the upstream's usage is known. Windows are fixed: the UTC minute for `rpm`/`tpm`, the policy's quota period
/// (UTC day, UTC month, or all time) for the quotas. Usage is also kept per UTC day for the store
/// (``takeUsage(tokenID:)``), so it survives a restart.
public final class TokenLimiter: Sendable {
    private let state: Mutex<State>
    /// Where the budget comes from (see ``BudgetMode``).
    public let mode: BudgetMode

    public init(policy: TokenPolicy = TokenPolicy(), mode: BudgetMode = .whole) {
        self.mode = mode
        state = Mutex(State(policy: policy))
    }

    /// The policy in force.
    public var policy: TokenPolicy { state.withLock { $0.policy } }

    /// Replaces the policy; usage counted so far stays (a lowered limit may refuse at once).
    public func update(policy: TokenPolicy) {
        state.withLock { $0.policy = policy }
    }

    /// Starts the period counters from what the store holds (at load): only counts of the current day and month
    /// are taken, so a stale row never counts against a new period.
    public func seed(_ totals: TokenUsageTotals, now: Date) {
        state.withLock { state in
            state.roll(to: Self.seconds(now))
            if totals.dayStart == state.dayStart {
                state.dayRequests += totals.dayRequests
                state.dayTokens += totals.dayTokens
            }
            if totals.monthStart == state.monthStart {
                state.monthRequests += totals.monthRequests
                state.monthTokens += totals.monthTokens
            }
            state.totalRequests += totals.totalRequests
            state.totalTokens += totals.totalTokens
        }
    }

    /// Decides whether a request may go ahead and, when it may, counts it.
    public func admit(now: Date) -> LimitDecision {
        let seconds = Self.seconds(now)
        return state.withLock { state in
            state.roll(to: seconds)
            if state.policy.isUnlimited {
                state.countRequest()
                return .allowed(.none)
            }
            if let refusal = refusal(state: &state, seconds: seconds, now: now) { return .refused(refusal) }
            state.countRequest()
            if case .leased = mode {
                state.rpmSlice.used += state.policy.rpm == nil ? 0 : 1
                state.requestQuotaSlice.used += state.policy.requestQuota == nil ? 0 : 1
            }
            return .allowed(headers(state: state, seconds: seconds))
        }
    }

    /// Counts the tokens (prompt + completion) of an answered request.
    public func record(tokens: Int, now: Date) {
        guard tokens > 0 else { return }
        let seconds = Self.seconds(now)
        state.withLock { state in
            state.roll(to: seconds)
            state.countTokens(tokens)
            if case .leased = mode {
                if state.policy.tpm != nil { state.tpmSlice.used += tokens }
                if state.policy.tokenQuota != nil { state.tokenQuotaSlice.used += tokens }
            }
        }
    }

    /// The `x-ratelimit-*` values as they stand, without counting a request (for a refusal's answer).
    public func usageHeaders(now: Date) -> RateLimitHeaders {
        let seconds = Self.seconds(now)
        return state.withLock { state in
            state.roll(to: seconds)
            return headers(state: state, seconds: seconds)
        }
    }

    /// Usage this minute and in the policy's quota period.
    public func usage(now: Date) -> TokenUsageSnapshot {
        let seconds = Self.seconds(now)
        return state.withLock { state in
            state.roll(to: seconds)
            let period = state.policy.effectivePeriod
            let (requests, tokens) = state.periodUsage(period)
            let end = period.bounds(containing: now).end
            return TokenUsageSnapshot(
                minuteRequests: state.minuteRequests, minuteTokens: state.minuteTokens, period: period,
                periodRequests: requests, periodTokens: tokens,
                periodResetsAt: end == Int64.max ? nil : Date(timeIntervalSince1970: Double(end))
            )
        }
    }

    /// The usage counted since the last call, per UTC day, for the store; empty when there is none.
    public func takeUsage(tokenID: String) -> [TokenUsageDelta] {
        state.withLock { state in
            var deltas: [TokenUsageDelta] = []
            for pending in [state.pendingPrevious, state.pendingCurrent] where !pending.isEmpty {
                deltas.append(
                    TokenUsageDelta(
                        tokenID: tokenID, dayStart: pending.day, requests: pending.requests, tokens: pending.tokens))
            }
            state.pendingPrevious = PendingDay()
            state.pendingCurrent.requests = 0
            state.pendingCurrent.tokens = 0
            return deltas
        }
    }

    /// Puts usage back that the store could not take (a failed flush), so the next flush carries it.
    public func restore(_ deltas: [TokenUsageDelta]) {
        state.withLock { state in
            for delta in deltas {
                state.addPending(day: delta.dayStart, requests: delta.requests, tokens: delta.tokens)
            }
        }
    }

    // MARK: - Budget slices

    /// The slices this limiter wants from the store now (leased mode only): more of the current window's budget
    /// when what it holds runs low, and a first slice of the next window shortly before it starts. Each request
    /// stays pending until its ``grant(_:)``.
    public func budgetRequests(now: Date) -> [BudgetRequest] {
        guard case .leased = mode else { return [] }
        let seconds = Self.seconds(now)
        return state.withLock { state in
            state.roll(to: seconds)
            var requests: [BudgetRequest] = []
            for kind in LimitKind.allCases {
                guard let limit = state.limit(kind) else { continue }
                let (start, end) = state.window(kind, seconds: seconds)
                let size = mode.sliceSize(limit: limit)
                var slice = state.slice(kind)
                guard !slice.pending else { continue }
                if !slice.exhausted, slice.granted < limit, slice.available < max(1, size / 2) {
                    requests.append(BudgetRequest(kind: kind, windowStart: start, amount: size, limit: limit))
                    slice.pending = true
                } else if end != Int64.max, end - seconds <= Self.prefetchLead(kind), slice.nextWindowStart != end {
                    requests.append(BudgetRequest(kind: kind, windowStart: end, amount: size, limit: limit))
                    slice.pending = true
                }
                state.setSlice(kind, slice)
            }
            return requests
        }
    }

    /// Takes what the store granted for a ``BudgetRequest``.
    public func grant(_ grant: BudgetGrant) {
        state.withLock { state in
            var slice = state.slice(grant.kind)
            slice.pending = false
            slice.apply(grant)
            state.setSlice(grant.kind, slice)
        }
    }

    // MARK: - Inside the lock

    private func refusal(state: inout State, seconds: Int64, now: Date) -> LimitRefusal? {
        for kind in LimitKind.allCases {
            guard let limit = state.limit(kind) else { continue }
            let available: Int
            var exhausted = true
            switch mode {
            case .whole:
                available = limit - state.used(kind)
            case .leased:
                let slice = state.slice(kind)
                available = slice.available
                exhausted = slice.exhausted || slice.granted >= limit
            }
            guard available <= 0 else { continue }
            let end = state.window(kind, seconds: seconds).end
            let period = kind.isPerMinute ? nil : state.policy.effectivePeriod
            guard end != Int64.max else {
                return LimitRefusal(kind: kind, limit: limit, retryAfter: nil, resetsAt: nil, period: period)
            }
            // A slice that ran out while the window still has budget elsewhere: the leaser tops it up shortly.
            let wait = exhausted ? max(1, end - seconds) : 1
            return LimitRefusal(
                kind: kind, limit: limit, retryAfter: Int(min(wait, Int64(Int32.max))),
                resetsAt: Date(timeIntervalSince1970: Double(end)), period: period
            )
        }
        return nil
    }

    private func headers(state: State, seconds: Int64) -> RateLimitHeaders {
        let reset = Int(max(1, state.minuteStart + 60 - seconds))
        var headers = RateLimitHeaders()
        if let rpm = state.policy.rpm {
            let remaining = mode == .whole ? rpm - state.minuteRequests : state.rpmSlice.available
            headers.requests = RateLimitTrio(limit: rpm, remaining: max(0, remaining), resetSeconds: reset)
        }
        if let tpm = state.policy.tpm {
            let remaining = mode == .whole ? tpm - state.minuteTokens : state.tpmSlice.available
            headers.tokens = RateLimitTrio(limit: tpm, remaining: max(0, remaining), resetSeconds: reset)
        }
        return headers
    }

    /// Whole seconds since 1970, rounded down.
    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }

    /// How long before a window's end the next window's first slice is leased.
    static func prefetchLead(_ kind: LimitKind) -> Int64 { kind.isPerMinute ? 10 : 60 }

    /// Usage of one UTC day not yet handed to the store.
    struct PendingDay {
        var day: Int64 = .min
        var requests = 0
        var tokens = 0
        var isEmpty: Bool { requests == 0 && tokens == 0 }
    }

    /// Counters for the current windows, the budget slices, and unflushed usage.
    struct State {
        var policy: TokenPolicy
        var minuteStart: Int64 = .min
        var minuteRequests = 0
        var minuteTokens = 0
        var dayStart: Int64 = .min
        var dayRequests = 0
        var dayTokens = 0
        var monthStart: Int64 = .min
        var monthEnd: Int64 = .min
        var monthRequests = 0
        var monthTokens = 0
        var totalRequests = 0
        var totalTokens = 0
        var rpmSlice = BudgetSlice()
        var tpmSlice = BudgetSlice()
        var requestQuotaSlice = BudgetSlice()
        var tokenQuotaSlice = BudgetSlice()
        var pendingCurrent = PendingDay()
        var pendingPrevious = PendingDay()

        init(policy: TokenPolicy) { self.policy = policy }

        /// Starts new windows when `seconds` is past the current ones.
        mutating func roll(to seconds: Int64) {
            let minute = QuotaPeriod.floorDivide(seconds, 60) * 60
            if minute != minuteStart {
                minuteStart = minute
                minuteRequests = 0
                minuteTokens = 0
            }
            let day = QuotaPeriod.floorDivide(seconds, 86_400) * 86_400
            if day != dayStart {
                dayStart = day
                dayRequests = 0
                dayTokens = 0
            }
            if seconds >= monthEnd || seconds < monthStart {
                let bounds = QuotaPeriod.month.bounds(containing: Date(timeIntervalSince1970: Double(seconds)))
                monthStart = bounds.start
                monthEnd = bounds.end
                monthRequests = 0
                monthTokens = 0
            }
            let periodStart = window(.requestQuota, seconds: seconds).start
            rpmSlice.roll(to: minute)
            tpmSlice.roll(to: minute)
            requestQuotaSlice.roll(to: periodStart)
            tokenQuotaSlice.roll(to: periodStart)
        }

        func window(_ kind: LimitKind, seconds: Int64) -> (start: Int64, end: Int64) {
            if kind.isPerMinute { return (minuteStart, minuteStart + 60) }
            switch policy.effectivePeriod {
            case .day: return (dayStart, dayStart + 86_400)
            case .month: return (monthStart, monthEnd)
            case .total: return (0, Int64.max)
            }
        }

        func limit(_ kind: LimitKind) -> Int? {
            switch kind {
            case .requestsPerMinute: policy.rpm
            case .tokensPerMinute: policy.tpm
            case .requestQuota: policy.requestQuota
            case .tokenQuota: policy.tokenQuota
            }
        }

        func used(_ kind: LimitKind) -> Int {
            switch kind {
            case .requestsPerMinute: minuteRequests
            case .tokensPerMinute: minuteTokens
            case .requestQuota: periodUsage(policy.effectivePeriod).requests
            case .tokenQuota: periodUsage(policy.effectivePeriod).tokens
            }
        }

        func periodUsage(_ period: QuotaPeriod) -> (requests: Int, tokens: Int) {
            switch period {
            case .day: (dayRequests, dayTokens)
            case .month: (monthRequests, monthTokens)
            case .total: (totalRequests, totalTokens)
            }
        }

        func slice(_ kind: LimitKind) -> BudgetSlice {
            switch kind {
            case .requestsPerMinute: rpmSlice
            case .tokensPerMinute: tpmSlice
            case .requestQuota: requestQuotaSlice
            case .tokenQuota: tokenQuotaSlice
            }
        }

        mutating func setSlice(_ kind: LimitKind, _ slice: BudgetSlice) {
            switch kind {
            case .requestsPerMinute: rpmSlice = slice
            case .tokensPerMinute: tpmSlice = slice
            case .requestQuota: requestQuotaSlice = slice
            case .tokenQuota: tokenQuotaSlice = slice
            }
        }

        mutating func countRequest() {
            minuteRequests += 1
            dayRequests += 1
            monthRequests += 1
            totalRequests += 1
            addPending(day: dayStart, requests: 1, tokens: 0)
        }

        mutating func countTokens(_ tokens: Int) {
            minuteTokens += tokens
            dayTokens += tokens
            monthTokens += tokens
            totalTokens += tokens
            addPending(day: dayStart, requests: 0, tokens: tokens)
        }

        /// Adds unflushed usage to its day; a flush normally comes every second, so two days are enough (a third
        /// is folded into the older one rather than lost).
        mutating func addPending(day: Int64, requests: Int, tokens: Int) {
            if pendingCurrent.day != day {
                if !pendingCurrent.isEmpty {
                    if pendingPrevious.isEmpty {
                        pendingPrevious = pendingCurrent
                    } else {
                        pendingPrevious.requests += pendingCurrent.requests
                        pendingPrevious.tokens += pendingCurrent.tokens
                    }
                }
                pendingCurrent = PendingDay(day: day)
            }
            pendingCurrent.requests += requests
            pendingCurrent.tokens += tokens
        }
    }
}
