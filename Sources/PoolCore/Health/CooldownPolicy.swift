import Foundation

/// How long keys rest after each kind of trouble. Defaults follow the reference service.
public struct CooldownPolicy: Sendable, Equatable {
    /// First back-off for a 429 without Retry-After; doubles with each further 429.
    public var rateLimitBase: TimeInterval = 60
    /// Ceiling of the 429 back-off.
    public var rateLimitCap: TimeInterval = 3600
    /// Ceiling applied to an upstream's Retry-After, so a nonsense value cannot park a key for ever.
    public var retryAfterCap: TimeInterval = 86_400
    /// How long a key that answered 402 rests.
    public var outOfCreditCooldown: TimeInterval = 3600
    /// Consecutive failures (5xx, connect errors, timeouts) that disable a key.
    public var failureThreshold: Int = 3
    /// First automatic disable window; doubles after each failed trial.
    public var disableSeconds: TimeInterval = 3600
    /// Ceiling of the disable back-off.
    public var disableCap: TimeInterval = 86_400

    public init() {}

    public func rateLimitBackoff(afterConsecutive count: Int) -> TimeInterval {
        min(rateLimitBase * pow(2, Double(min(count, 30))), rateLimitCap)
    }

    public func disableDuration(afterDisables count: Int) -> TimeInterval {
        min(disableSeconds * pow(2, Double(min(count, 30))), max(disableCap, disableSeconds))
    }
}
