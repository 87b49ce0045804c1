import Foundation
import PoolCore

/// A client token as lists show it: a prefix, never the token; its policy fields (absent = unlimited) and its
/// usage this minute and this quota period.
struct TokenPayload: Encodable {
    var id: String
    var name: String
    var prefix: String
    var provider: String?
    var createdAt: Date
    var expiresAt: Date?
    var expired: Bool
    var requestCount: Int
    /// Written beside the fields above, under the API's names (`rpm`, `request_quota`, …).
    var policy: TokenPolicy
    var usage: TokenUsagePayload

    init(_ entry: TokenRegistry.Entry, now: Date) {
        id = entry.record.id
        name = entry.record.name
        prefix = entry.record.prefix + "…"
        provider = entry.record.provider?.rawValue
        createdAt = entry.record.createdAt
        expiresAt = entry.record.expiresAt
        expired = entry.record.isExpired(at: now)
        requestCount = entry.requestCount
        policy = entry.record.policy
        usage = TokenUsagePayload(entry.limiter.usage(now: now))
    }

    enum CodingKeys: String, CodingKey {
        case id, name, prefix, provider, createdAt, expiresAt, expired, requestCount, usage
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(prefix, forKey: .prefix)
        try container.encodeIfPresent(provider, forKey: .provider)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(expiresAt, forKey: .expiresAt)
        try container.encode(expired, forKey: .expired)
        try container.encode(requestCount, forKey: .requestCount)
        try container.encode(usage, forKey: .usage)
        try policy.encode(to: encoder)
    }
}

/// A token's usage: requests and tokens this UTC minute and in its quota period, and when that period resets.
struct TokenUsagePayload: Encodable {
    var minuteRequests: Int
    var minuteTokens: Int
    var period: String
    var periodRequests: Int
    var periodTokens: Int
    var periodResetsAt: Date?

    init(_ usage: TokenUsageSnapshot) {
        minuteRequests = usage.minuteRequests
        minuteTokens = usage.minuteTokens
        period = usage.period.rawValue
        periodRequests = usage.periodRequests
        periodTokens = usage.periodTokens
        periodResetsAt = usage.periodResetsAt
    }
}
