import Foundation

/// What one client token may do: rates per minute, quotas per period, the models it may name, how its answers are
/// cached, and a note for the operator. Every limit is optional; nil means unlimited. Stored with the token as JSON
/// (the field names below are the API's too).
public struct TokenPolicy: Sendable, Equatable, Codable {
    /// Requests per minute.
    public var rpm: Int?
    /// Tokens (prompt + completion, as the upstream reports them) per minute.
    public var tpm: Int?
    /// Requests per quota period.
    public var requestQuota: Int?
    /// Tokens per quota period.
    public var tokenQuota: Int?
    /// The period the quotas count over; nil reads as `total` (the quotas never reset).
    public var quotaPeriod: QuotaPeriod?
    /// Model names and `prefix*` patterns the token may ask for; nil allows every model.
    public var models: [String]?
    /// Whether cached answers are kept per token (the default) or shared with other `shared` tokens.
    public var cacheScope: CacheScope?
    /// Seconds an answer for this token stays cached, overriding `RESPONSE_CACHE_TTL` (0 turns caching off).
    public var cacheTTL: Double?
    /// Free text for the operator.
    public var note: String?

    /// Who may read a cached answer.
    public enum CacheScope: String, Sendable, Codable, CaseIterable {
        /// Only the token that caused the answer.
        case token
        /// Every token whose policy also says `shared`.
        case shared
    }

    public init(
        rpm: Int? = nil, tpm: Int? = nil, requestQuota: Int? = nil, tokenQuota: Int? = nil,
        quotaPeriod: QuotaPeriod? = nil, models: [String]? = nil, cacheScope: CacheScope? = nil,
        cacheTTL: Double? = nil, note: String? = nil
    ) {
        self.rpm = rpm
        self.tpm = tpm
        self.requestQuota = requestQuota
        self.tokenQuota = tokenQuota
        self.quotaPeriod = quotaPeriod
        self.models = models
        self.cacheScope = cacheScope
        self.cacheTTL = cacheTTL
        self.note = note
    }

    /// The JSON (and column) names.
    enum CodingKeys: String, CodingKey {
        case rpm, tpm, models, note
        case requestQuota = "request_quota"
        case tokenQuota = "token_quota"
        case quotaPeriod = "quota_period"
        case cacheScope = "cache_scope"
        case cacheTTL = "cache_ttl"
    }

    /// Whether no limit of any kind applies: the limiter then answers without taking its lock.
    public var isUnlimited: Bool {
        rpm == nil && tpm == nil && requestQuota == nil && tokenQuota == nil
    }

    /// Whether nothing at all is set (no limit, no model list, no cache choice, no note).
    public var isEmpty: Bool { self == TokenPolicy() }

    /// The quota period in effect.
    public var effectivePeriod: QuotaPeriod { quotaPeriod ?? .total }

    /// This policy with every field that `defaults` sets and this policy leaves nil filled in: the settings
    /// `DEFAULT_TOKEN_*` applied to a new token.
    public func filled(from defaults: TokenPolicy) -> TokenPolicy {
        TokenPolicy(
            rpm: rpm ?? defaults.rpm, tpm: tpm ?? defaults.tpm, requestQuota: requestQuota ?? defaults.requestQuota,
            tokenQuota: tokenQuota ?? defaults.tokenQuota, quotaPeriod: quotaPeriod ?? defaults.quotaPeriod,
            models: models ?? defaults.models, cacheScope: cacheScope ?? defaults.cacheScope,
            cacheTTL: cacheTTL ?? defaults.cacheTTL, note: note ?? defaults.note
        )
    }

    /// The policy as stored: compact JSON, or nil when nothing is set.
    public func storedJSON() -> String? {
        guard !isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a stored policy; a missing or unreadable column is the empty policy (a token never fails to load).
    public static func fromStored(_ json: String?) -> TokenPolicy {
        guard let json, let policy = try? JSONDecoder().decode(TokenPolicy.self, from: Data(json.utf8)) else {
            return TokenPolicy()
        }
        return policy
    }
}
