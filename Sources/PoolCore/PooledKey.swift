import Foundation

/// The immutable identity of a key in the pool, shared with requests that use it.
public final class PooledKey: Sendable {
    public let id: String
    public let provider: ProviderID
    /// The upstream secret in clear; only ever sent upstream, never shown or logged.
    public let secret: String
    public let username: String?
    public let createdAt: Date
    public let counters: KeyCounters
    let handle: Int

    init(
        id: String, provider: ProviderID, secret: String, username: String?, createdAt: Date,
        counters: consuming KeyCounters, handle: Int
    ) {
        self.id = id
        self.provider = provider
        self.secret = secret
        self.username = username
        self.createdAt = createdAt
        self.counters = counters
        self.handle = handle
    }

    /// The secret as it may be shown: `abcd…wxyz`.
    public var maskedSecret: String { SecretMask.mask(secret) }
}

/// A key handed to one request attempt; give it back with `KeyPool.report`.
public struct KeyLease: Sendable {
    public let key: PooledKey
    /// True when the key's disable window has passed and this attempt decides whether it returns.
    public let isTrial: Bool
}

/// The answer to "which key should this attempt use?".
public enum LeaseResult: Sendable {
    case leased(KeyLease)
    /// The provider has keys but none is usable now; `retryAt` is the earliest moment one returns by itself.
    case noneUsable(retryAt: Date?)
    /// The provider has no keys at all.
    case empty
    /// The request names a model that no key of the provider serves, in any state; `model` is as the client
    /// sent it. Distinct from `noneUsable`: waiting will not help.
    case modelNotServed(model: String)
}

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
}
