import Foundation

/// A read-only view of one key for the admin API, the CLI and the dashboard.
public struct KeyView: Sendable {
    public var id: String
    public var provider: ProviderID
    public var maskedSecret: String
    public var username: String?
    public var createdAt: Date
    public var expiresAt: Date?
    public var status: KeyStatus
    public var health: KeyHealth
    public var models: [String]
    public var category: String?
    /// Label, limit and usage as the upstream last reported them.
    public var credit: KeyCredit?
    public var stats: KeyStatsRecord
    /// The key's own upstream root; nil when it uses the provider's.
    public var baseURL: String?
    /// Its weight and tier within the provider's selection.
    public var placement: KeyPlacement
}
