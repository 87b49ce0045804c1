import Foundation

/// What an upstream says about a key's account when asked (OpenRouter's `GET /v1/key`): its label, credit
/// limit and usage. Kept with the key so operators can see which keys are about to run dry.
public struct KeyCredit: Sendable, Equatable, Codable {
    /// The name the key has at the upstream; OpenRouter shows a masked form of the key here, never the secret.
    public var label: String?
    /// Credit limit in the upstream's currency (USD for OpenRouter); nil means unlimited.
    public var limit: Double?
    /// Credit used so far.
    public var usage: Double?
    /// Credit left under the limit; nil when there is no limit.
    public var limitRemaining: Double?
    /// True for accounts that never bought credit (OpenRouter's free tier).
    public var isFreeTier: Bool?
    /// When the upstream was asked.
    public var checkedAt: Date

    public init(
        label: String? = nil, limit: Double? = nil, usage: Double? = nil, limitRemaining: Double? = nil,
        isFreeTier: Bool? = nil, checkedAt: Date
    ) {
        self.label = label
        self.limit = limit
        self.usage = usage
        self.limitRemaining = limitRemaining
        self.isFreeTier = isFreeTier
        self.checkedAt = checkedAt
    }

    /// True when the key has a limit and nothing is left of it: requests would be refused with 402.
    public var isExhausted: Bool {
        guard limit != nil, let limitRemaining else { return false }
        return limitRemaining <= 0
    }
}
