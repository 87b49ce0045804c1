import Foundation
import PoolCore

/// A key as every admin answer shows it: masked, with its id.
struct KeyPayload: Encodable {
    var id: String
    var provider: String
    var apiKey: String
    var username: String?
    var status: String
    var statusReason: String?
    /// When a cooling or disabled key returns by itself.
    var statusUntil: Date?
    var disabledUntil: Date?
    var coolingUntil: Date?
    var createdAt: Date
    var expiresAt: Date?
    var consecutiveFailures: Int
    var models: [String]
    var category: String?
    /// Label, limit and usage as the upstream last reported them (OpenRouter).
    var credit: KeyCredit?
    var stats: KeyStatsPayload

    init(_ view: KeyView) {
        id = view.id
        provider = view.provider.rawValue
        apiKey = view.maskedSecret
        username = view.username
        status = view.status.rawValue
        statusReason = view.status == .active ? nil : view.health.condition.reason
        switch view.health.condition {
        case .cooling(let until, _) where view.status == .cooling:
            coolingUntil = until
            statusUntil = until
        case .disabled(let until, _) where view.status == .disabled:
            disabledUntil = until
            statusUntil = until
        default:
            break
        }
        if view.status == .expired { statusReason = "expired" }
        createdAt = view.createdAt
        expiresAt = view.expiresAt
        consecutiveFailures = view.health.consecutiveFailures
        models = view.models
        category = view.category
        credit = view.credit
        stats = KeyStatsPayload(view.stats)
    }
}

/// Per-key counters with the reference's field names.
struct KeyStatsPayload: Encodable {
    var totalRequests: Int
    var successCount: Int
    var failureCount: Int
    /// Percentage of successes among attempts that succeeded or failed, 0–100.
    var successRate: Double
    var avgLatencyMs: Double
    var promptTokens: Int
    var completionTokens: Int
    var lastUsed: Date?
    var lastSuccess: Date?
    var lastFailure: Date?

    init(_ stats: KeyStatsRecord) {
        totalRequests = stats.requests
        successCount = stats.successes
        failureCount = stats.failures
        let decided = stats.successes + stats.failures
        successRate = decided == 0 ? 0 : (Double(stats.successes) / Double(decided) * 1000).rounded() / 10
        avgLatencyMs = stats.requests == 0 ? 0 : (Double(stats.latencyMillisSum) / Double(stats.requests) * 10).rounded() / 10
        promptTokens = stats.promptTokens
        completionTokens = stats.completionTokens
        lastUsed = stats.lastUsed
        lastSuccess = stats.lastSuccess
        lastFailure = stats.lastFailure
    }
}

/// A client token as lists show it: a prefix, never the token.
struct TokenPayload: Encodable {
    var id: String
    var name: String
    var prefix: String
    var provider: String?
    var createdAt: Date
    var expiresAt: Date?
    var expired: Bool
    var requestCount: Int

    init(_ entry: TokenRegistry.Entry, now: Date) {
        id = entry.record.id
        name = entry.record.name
        prefix = entry.record.prefix + "…"
        provider = entry.record.provider?.rawValue
        createdAt = entry.record.createdAt
        expiresAt = entry.record.expiresAt
        expired = entry.record.isExpired(at: now)
        requestCount = entry.requestCount
    }
}

/// Key counts by status.
struct StatusCountsPayload: Encodable {
    var total: Int
    var active: Int
    var cooling: Int
    var disabled: Int
    var invalid: Int
    var expired: Int

    init(_ counts: [KeyStatus: Int]) {
        active = counts[.active, default: 0]
        cooling = counts[.cooling, default: 0]
        disabled = counts[.disabled, default: 0]
        invalid = counts[.invalid, default: 0]
        expired = counts[.expired, default: 0]
        total = active + cooling + disabled + invalid + expired
    }
}
