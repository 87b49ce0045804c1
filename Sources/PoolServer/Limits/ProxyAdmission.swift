import Foundation
import PoolCore

/// What the proxy front asks, synchronously and before a key is spent, about one request (issue #15): is the
/// client IP locked out or over `IP_RPM`, may this token ask for this model, is it within its limits; and which
/// `x-ratelimit-*` headers its answer carries. The front turns a ``ProxyRefusal`` into an error in the route's
/// dialect. Nothing here awaits or touches the store.
public struct ProxyAdmission: Sendable {
    public let guards: ClientGuards
    public let clock: any PoolClock

    public init(guards: ClientGuards, clock: any PoolClock) {
        self.guards = guards
        self.clock = clock
    }

    /// Before authentication: a locked-out IP (too many failed authentications) or one over `IP_RPM` is refused.
    public func checkClient(_ ip: String) -> ProxyRefusal? {
        let now = clock.now
        if let wait = guards.authFailures.lockout(ip, now: now) {
            return ProxyRefusal(
                status: 429, code: "rate_limit_exceeded", retryAfter: wait,
                message: "too many failed authentications from this address; try again in \(wait) s")
        }
        if let wait = guards.ipRequests.admit(ip, now: now) {
            return ProxyRefusal(
                status: 429, code: "rate_limit_exceeded", retryAfter: wait,
                message: "rate limit exceeded: this address may send \(guards.ipRequests.requestsPerMinute) "
                    + "requests per minute; try again in \(wait) s")
        }
        return nil
    }

    /// Counts a failed client-token authentication of `ip` (missing tokens do not count).
    public func recordAuthFailure(_ ip: String) {
        guards.authFailures.recordFailure(ip, now: clock.now)
    }

    /// After authentication: the model list, then the limits (counting the request when it is admitted).
    /// - Parameter model: the request's `model`; nil for routes that name none (model lists), which the list
    ///   does not restrict.
    public func admit(_ token: TokenRegistry.Entry, model: String?) -> Result<RateLimitHeaders, ProxyRefusal> {
        if let model, !token.allowedModels.allows(model) {
            return .failure(
                ProxyRefusal(
                    status: 403, code: "model_not_allowed", retryAfter: nil,
                    message: "model '\(model)' is not allowed for this token"))
        }
        switch token.limiter.admit(now: clock.now) {
        case .allowed(let headers): return .success(headers)
        case .refused(let refusal):
            return .failure(
                ProxyRefusal(
                    status: 429, code: refusal.kind.isPerMinute ? "rate_limit_exceeded" : "insufficient_quota",
                    retryAfter: refusal.retryAfter, message: refusal.message))
        }
    }

    /// Counts an answered request's tokens (from the upstream's usage; nothing when it is unknown).
    public func record(_ token: TokenRegistry.Entry, promptTokens: Int, completionTokens: Int) {
        token.limiter.record(tokens: promptTokens + completionTokens, now: clock.now)
    }

    /// The `x-ratelimit-*` header fields for `headers`, in OpenAI's names; none for an unlimited token.
    public static func headerFields(_ headers: RateLimitHeaders) -> [(name: String, value: String)] {
        if headers.requests == nil, headers.tokens == nil { return [] }  // an unlimited token: every answer
        var fields: [(name: String, value: String)] = []
        for (suffix, trio) in [("requests", headers.requests), ("tokens", headers.tokens)] {
            guard let trio else { continue }
            fields.append(("x-ratelimit-limit-\(suffix)", String(trio.limit)))
            fields.append(("x-ratelimit-remaining-\(suffix)", String(trio.remaining)))
            fields.append(("x-ratelimit-reset-\(suffix)", trio.resetText))
        }
        return fields
    }

    // MARK: - Response cache

    /// Routes whose non-streamed answers may be cached.
    static let cacheableRoutes: Set<String> = [
        "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/messages", "/api/chat", "/api/generate",
        "/api/embed", "/api/embeddings",
    ]

    /// The cache key of a request, or nil when it is not to be cached: the cache is off for this token, the
    /// route is not one of the cacheable ones, the request streams, or it says `Cache-Control: no-cache`.
    /// Whether `token`'s answers are cached at all: the cheap check before a key (and the body's hash) is made.
    public func caches(_ token: TokenRegistry.Entry) -> Bool {
        guards.cacheTTL(for: token.record.policy) > 0
    }

    public func cacheKey(
        _ token: TokenRegistry.Entry, provider: ProviderID, route: String, stream: Bool, cacheControl: String?,
        body: some DataProtocol
    ) -> ResponseCacheKey? {
        guard guards.cacheTTL(for: token.record.policy) > 0, !stream, Self.cacheableRoutes.contains(route) else {
            return nil
        }
        if let cacheControl,
            cacheControl.lowercased().contains("no-cache") || cacheControl.lowercased().contains("no-store")
        {
            return nil
        }
        return ResponseCacheKey(
            tokenID: token.record.id, shared: token.record.policy.cacheScope == .shared, provider: provider,
            route: route, body: body)
    }

    /// A fresh cached answer for `key`, if any.
    public func cached(_ key: ResponseCacheKey) -> CachedResponse? {
        guards.responseCache.lookup(key, now: clock.now)
    }

    /// Keeps a status-200 answer for the token's TTL.
    public func store(_ response: CachedResponse, for key: ResponseCacheKey, token: TokenRegistry.Entry) {
        guards.responseCache.store(
            response, for: key, ttl: guards.cacheTTL(for: token.record.policy), now: clock.now)
    }
}

/// A request the gateway refuses before spending a key: 429 (limits, lock-out) or 403 (model not allowed), with
/// an OpenAI-style `code` and, for 429, the seconds for `Retry-After` (nil when a `total` quota never resets).
public struct ProxyRefusal: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var retryAfter: Int?
    public var message: String
}
