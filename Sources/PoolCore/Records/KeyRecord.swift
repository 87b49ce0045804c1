import Foundation

/// An upstream key as it is stored: identity, secret, who it belongs to, and its health.
public struct KeyRecord: Sendable, Equatable {
    public var id: String
    public var provider: ProviderID
    /// The upstream secret in clear; the store encrypts it at rest when configured to.
    public var secret: String
    public var username: String?
    public var createdAt: Date
    public var expiresAt: Date?
    public var health: KeyHealth
    /// Models this key is known to serve; empty means "not yet known", i.e. eligible for every model.
    public var models: [String]
    /// The family of `models` (see `ModelCategory`); nil until probes learn the models.
    public var category: String?
    /// Label, limit and usage as the upstream last reported them; nil when never asked.
    public var credit: KeyCredit?
    /// The key's own upstream root (a self-hosted server), replacing the provider's `base_url`; nil uses the
    /// provider's. Part of the key's identity: the same secret at two servers is two keys.
    public var baseURL: String?
    /// Its share of the picks and its place in the failover order.
    public var placement: KeyPlacement

    public init(
        id: String = KeyRecord.newID(),
        provider: ProviderID,
        secret: String,
        username: String? = nil,
        createdAt: Date,
        expiresAt: Date? = nil,
        health: KeyHealth = KeyHealth(),
        models: [String] = [],
        category: String? = nil,
        credit: KeyCredit? = nil,
        baseURL: String? = nil,
        placement: KeyPlacement = KeyPlacement()
    ) {
        self.id = id
        self.provider = provider
        self.secret = secret
        self.username = username
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.health = health
        self.models = models
        self.category = category
        self.credit = credit
        self.baseURL = baseURL
        self.placement = placement
    }

    /// A fresh random key id (`k_` + 13 hex digits, 52 random bits), safe to show anywhere. Fifteen bytes is the
    /// most a Swift string keeps inline: with 100,000 keys, a longer id would cost a heap object per key.
    public static func newID() -> String {
        "k_" + RandomText.hex(count: 13)
    }
}

extension KeyRecord {
    /// See `KeyIdentity`.
    public var identity: String { KeyIdentity.of(baseURL: baseURL, secret: secret) }
}
