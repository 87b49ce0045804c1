import Foundation
import PoolCore

/// Limits on clients (issue #15): the policy new tokens get unless they say otherwise, failed authentication
/// and request rates per client IP, the proxies whose `X-Forwarded-For` is believed, and the response cache.
public struct ClientLimitsConfiguration: Sendable {
    /// What a new token's policy starts from (`DEFAULT_TOKEN_*`; nil fields are unlimited).
    public var tokenDefaults = TokenPolicy()
    /// Failed authentications per client IP and minute before a lock-out; 0 turns the lock-out off.
    public var authFailuresPerMinute = 20
    /// Seconds an IP stays locked out.
    public var authLockoutSeconds = 300
    /// Requests per client IP and minute on the proxy routes; 0 is unlimited.
    public var ipRequestsPerMinute = 0
    /// Proxies whose `X-Forwarded-For` names the client.
    public var trustedProxies = TrustedProxies()
    /// Seconds a non-streamed answer is cached; 0 turns the response cache off (a token's `cache_ttl` overrides).
    public var responseCacheTTL: TimeInterval = 0
    /// Most bytes the response cache holds.
    public var responseCacheBytes = 64 * 1024 * 1024
    /// With several instances (PostgreSQL), the share of a limit an instance leases at a time.
    public var budgetSliceFraction = 0.1

    public init() {}
}
