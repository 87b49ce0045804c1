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
    /// The counters as the store holds them, as far as this instance knows (the flusher's baseline).
    let flushed: FlushedCounts
    let handle: Int

    init(
        id: String, provider: ProviderID, secret: String, username: String?, createdAt: Date,
        counters: consuming KeyCounters, flushed: consuming FlushedCounts, handle: Int
    ) {
        self.id = id
        self.provider = provider
        self.secret = secret
        self.username = username
        self.createdAt = createdAt
        self.counters = counters
        self.flushed = flushed
        self.handle = handle
    }

    /// The secret as it may be shown: `abcd…wxyz`.
    public var maskedSecret: String { SecretMask.mask(secret) }
}
