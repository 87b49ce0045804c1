import Foundation

/// The per-key state machine: how each upstream answer changes what the pool thinks of a key.
///
/// Pure and clock-free: every decision takes `now` from the caller, so tests can walk the table instantly.
public struct KeyHealth: Sendable, Equatable {
    public var condition: KeyCondition
    /// Failures (5xx, connect errors, timeouts) since the last success.
    public var consecutiveFailures: Int {
        get { Int(failuresSinceSuccess) }
        set { failuresSinceSuccess = Int32(clamping: newValue) }
    }
    /// 429 answers since the last success; drives the exponential back-off when no Retry-After is given.
    public var consecutiveRateLimits: Int {
        get { Int(rateLimitsSinceSuccess) }
        set { rateLimitsSinceSuccess = Int32(clamping: newValue) }
    }
    /// Automatic disables since the last success; drives the disable back-off after a failed trial.
    public var failureDisables: Int {
        get { Int(disablesSinceSuccess) }
        set { disablesSinceSuccess = Int32(clamping: newValue) }
    }
    // Stored in 32 bits: one health per key of the pool, and a streak never nears two billion.
    private var failuresSinceSuccess: Int32 = 0
    private var rateLimitsSinceSuccess: Int32 = 0
    private var disablesSinceSuccess: Int32 = 0

    public init(
        condition: KeyCondition = .active,
        consecutiveFailures: Int = 0,
        consecutiveRateLimits: Int = 0,
        failureDisables: Int = 0
    ) {
        self.condition = condition
        self.consecutiveFailures = consecutiveFailures
        self.consecutiveRateLimits = consecutiveRateLimits
        self.failureDisables = failureDisables
    }

    /// The status word for this key at `now`.
    public func status(at now: Date, expiresAt: Date?) -> KeyStatus {
        if let expiresAt, expiresAt <= now { return .expired }
        switch condition {
        case .active: return .active
        case .invalid: return .invalid
        case .cooling(let until, _): return until > now ? .cooling : .active
        case .disabled(let until, _):
            guard let until else { return .disabled }
            return until > now ? .disabled : .active
        }
    }

    /// True when the key's disable window has passed but it has not yet proven itself: the next request is a trial.
    public func isOnTrial(at now: Date) -> Bool {
        if case .disabled(let until?, _) = condition, until <= now { return true }
        return false
    }

    /// Applies the outcome of one upstream attempt made with this key.
    @discardableResult
    public mutating func apply(_ outcome: AttemptOutcome, at now: Date, policy: CooldownPolicy) -> KeyTransition {
        switch outcome {
        case .success:
            let wasHealthy = condition == .active && consecutiveFailures == 0 && consecutiveRateLimits == 0
            consecutiveFailures = 0
            consecutiveRateLimits = 0
            failureDisables = 0
            // A success that overlaps a newer penalty (a request that started before the key was cooled,
            // disabled or rejected) does not lift it; one that comes after the window has passed does.
            guard status(at: now, expiresAt: nil) == .active else { return .unchanged }
            condition = .active
            return wasHealthy ? .unchanged : .recovered

        case .rejected(let status):
            condition = .invalid(reason: "upstream answered \(status)")
            return .becameInvalid

        case .outOfCredit:
            let until = now.addingTimeInterval(policy.outOfCreditCooldown)
            return cool(until: until, reason: "out of credit (402)")

        case .rateLimited(let retryAfter):
            let delay: TimeInterval
            if let retryAfter {
                delay = min(max(retryAfter, 1), policy.retryAfterCap)
            } else {
                delay = policy.rateLimitBackoff(afterConsecutive: consecutiveRateLimits)
            }
            consecutiveRateLimits += 1
            return cool(until: now.addingTimeInterval(delay), reason: "rate limited (429)")

        case .upstreamFailure(let reason):
            consecutiveFailures += 1
            guard consecutiveFailures >= policy.failureThreshold else { return .unchanged }
            if case .invalid = condition { return .unchanged }
            if case .disabled(nil, _) = condition { return .unchanged }
            let duration = policy.disableDuration(afterDisables: failureDisables)
            failureDisables += 1
            let until = now.addingTimeInterval(duration)
            condition = .disabled(until: until, reason: "\(consecutiveFailures) consecutive failures: \(reason)")
            return .disabled(until: until)

        case .clientError, .cancelled:
            return .unchanged
        }
    }

    private mutating func cool(until: Date, reason: String) -> KeyTransition {
        switch condition {
        case .invalid, .disabled(nil, _):
            return .unchanged
        case .disabled(let existing?, _) where existing > until:
            return .unchanged
        default:
            condition = .cooling(until: until, reason: reason)
            return .cooled(until: until)
        }
    }

    /// An admin switches the key back on: every penalty is forgotten.
    public mutating func enable() {
        self = KeyHealth()
    }

    /// An admin switches the key off for `duration` seconds, or until enabled when `duration` is nil.
    public mutating func disable(for duration: TimeInterval?, at now: Date) {
        let until = duration.map { now.addingTimeInterval($0) }
        condition = .disabled(until: until, reason: Self.adminDisableReason)
    }

    /// The reason an admin disable records. The reason is what tells an admin's decision apart from an automatic
    /// disable after restarts, because it is stored with the condition.
    public static let adminDisableReason = "disabled by admin"

    /// True while an admin's disable is in force at `now`; probes and recovery never overrule it.
    public func isDisabledByAdmin(at now: Date) -> Bool {
        guard case .disabled(let until, let reason) = condition, reason == Self.adminDisableReason else { return false }
        return until.map { $0 > now } ?? true
    }

    /// Applies what a probe found out about the key, by the same rules as traffic, with three differences that
    /// follow from a probe being deliberate: a passing probe restores the key whatever penalty it was under; a
    /// 429 or 402 proves the key genuine, so an earlier rejection no longer holds; and a probe that could not
    /// reach the upstream counts against the key only while the key is in use, never as the trial of a resting
    /// key. An admin's disable is left alone.
    @discardableResult
    public mutating func applyProbe(_ outcome: ProbeOutcome, at now: Date, policy: CooldownPolicy) -> KeyTransition {
        if isDisabledByAdmin(at: now) { return .unchanged }
        switch outcome {
        case .valid:
            let wasHealthy = self == KeyHealth()
            self = KeyHealth()
            return wasHealthy ? .unchanged : .recovered

        case .invalid(let status):
            if case .invalid = condition { return .unchanged }
            return apply(.rejected(status: status), at: now, policy: policy)

        case .outOfCredit, .rateLimited:
            if case .invalid = condition { condition = .active }
            let attempt: AttemptOutcome
            if case .rateLimited(let retryAfter) = outcome {
                attempt = .rateLimited(retryAfter: retryAfter)
            } else {
                attempt = .outOfCredit
            }
            return apply(attempt, at: now, policy: policy)

        case .upstreamError(let reason):
            guard status(at: now, expiresAt: nil) == .active else { return .unchanged }
            return apply(.upstreamFailure(reason: "probe: \(reason)"), at: now, policy: policy)

        case .inconclusive:
            return .unchanged
        }
    }
}
