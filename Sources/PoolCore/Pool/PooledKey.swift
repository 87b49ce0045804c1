import Foundation

/// The immutable identity of a key in the pool, shared with requests that use it.
public final class PooledKey: Sendable {
    public let id: String
    public let provider: ProviderID
    /// The upstream secret in clear; only ever sent upstream, never shown or logged.
    public let secret: String
    /// What few keys have, behind one optional reference: two optional strings in every key were 24 bytes more per
    /// key (with 100,000 keys, 3 MB once the allocator rounds up).
    private let rare: Rare?
    public let createdAt: Date
    public let counters: KeyCounters
    /// The counters as the store holds them, as far as this instance knows (the flusher's baseline).
    let flushed: FlushedCounts
    let handle: Int

    init(
        id: String, provider: ProviderID, secret: String, baseURL: String?, username: String?, createdAt: Date,
        counters: consuming KeyCounters, flushed: consuming FlushedCounts, handle: Int
    ) {
        self.id = id
        self.provider = provider
        self.secret = secret
        rare = baseURL == nil && username == nil ? nil : Rare(baseURL: baseURL, username: username)
        self.createdAt = createdAt
        self.counters = counters
        self.flushed = flushed
        self.handle = handle
    }

    /// The key's own upstream root (a self-hosted server), normalized without a trailing slash; nil uses the
    /// provider's `base_url`. Part of the key's identity, so it never changes.
    public var baseURL: String? { rare?.baseURL }
    public var username: String? { rare?.username }

    private final class Rare: Sendable {
        let baseURL: String?
        let username: String?

        init(baseURL: String?, username: String?) {
            self.baseURL = baseURL
            self.username = username
        }
    }

    /// See `KeyIdentity`: the secret alone unless the key has its own base URL.
    public var identity: String { KeyIdentity.of(baseURL: baseURL, secret: secret) }

    /// The secret as it may be shown: `abcd…wxyz`.
    public var maskedSecret: String { SecretMask.mask(secret) }
}
