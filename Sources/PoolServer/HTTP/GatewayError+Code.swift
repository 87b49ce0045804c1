extension GatewayError {
    /// Machine-readable error codes (OpenAI's `error.code`). A struct of constants rather than an enum, so new
    /// codes do not break callers that switch over them. `scripts/openapi.py` reads this file to document them.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The client token is missing, unknown, expired or scoped to another provider.
        public static let invalidAPIKey = Code(rawValue: "invalid_api_key")
        /// The provider is turned off on this gateway.
        public static let providerDisabled = Code(rawValue: "provider_disabled")
        /// The provider's pool holds no keys at all.
        public static let noKeys = Code(rawValue: "no_keys")
        /// Keys exist, but none is usable now (all cooling, disabled, invalid or expired).
        public static let noUsableKey = Code(rawValue: "no_usable_key")
        /// Every key tried was rejected, rate-limited or out of credit.
        public static let poolExhausted = Code(rawValue: "pool_exhausted")
        /// The upstream failed (5xx, connect error, timeout) on every attempt.
        public static let upstreamFailed = Code(rawValue: "upstream_failed")
        /// This machine ran out of descriptors, buffers or memory; no key was judged. Retry shortly.
        public static let gatewayOverloaded = Code(rawValue: "gateway_overloaded")
        /// No key of the pool serves the requested model.
        public static let modelNotFound = Code(rawValue: "model_not_found")
        /// A client token's rate limit (or the client IP's) is reached (429, `Retry-After`).
        public static let rateLimitExceeded = Code(rawValue: "rate_limit_exceeded")
        /// A client token's request or token quota is used up for its period (429).
        public static let insufficientQuota = Code(rawValue: "insufficient_quota")
        /// The client token's model list does not include the requested model (403).
        public static let modelNotAllowed = Code(rawValue: "model_not_allowed")
    }
}
