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
    /// The key's own server (a self-hosted one); absent for a key of the provider's `base_url`.
    var baseURL: String?
    /// Its share of the picks within its tier (1…100).
    var weight: Int
    /// Tier 1 serves while any of its keys is usable; tier 2 only when none is (1…9).
    var tier: Int

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
        baseURL = view.baseURL
        weight = view.placement.weight
        tier = view.placement.tier
    }
}
