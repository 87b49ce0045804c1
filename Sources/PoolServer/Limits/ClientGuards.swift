import Foundation
import PoolCore

/// What protects the gateway from its clients beyond token policies (issue #15): the failed-authentication
/// lock-out and the request limit per client IP, the proxies whose `X-Forwarded-For` is believed, and the
/// response cache. One per gateway; everything here answers synchronously.
public final class ClientGuards: Sendable {
    public let authFailures: AuthFailureLimiter
    public let ipRequests: IPRequestLimiter
    public let trustedProxies: TrustedProxies
    public let responseCache: ResponseCache
    /// `RESPONSE_CACHE_TTL`; a token's `cache_ttl` overrides it.
    public let responseCacheTTL: TimeInterval

    public init(configuration: ClientLimitsConfiguration) {
        authFailures = AuthFailureLimiter(
            failuresPerMinute: configuration.authFailuresPerMinute, lockoutSeconds: configuration.authLockoutSeconds)
        ipRequests = IPRequestLimiter(requestsPerMinute: configuration.ipRequestsPerMinute)
        trustedProxies = configuration.trustedProxies
        responseCache = ResponseCache(capacityBytes: configuration.responseCacheBytes)
        responseCacheTTL = configuration.responseCacheTTL
    }

    /// The client's IP: the socket peer, or behind a trusted proxy the right-most untrusted `X-Forwarded-For` hop.
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        trustedProxies.clientAddress(peer: peer, forwardedFor: forwardedFor)
    }

    /// Seconds an answer for a token with `policy` is cached (0: not cached).
    public func cacheTTL(for policy: TokenPolicy) -> TimeInterval {
        max(0, policy.cacheTTL ?? responseCacheTTL)
    }
}
