import Foundation
import PoolCore

/// What other writers (another gateway instance, a CLI command) changed in the store after a revision: keys
/// added, deleted or given a new health or placement by an admin action, client tokens created or revoked,
/// provider definitions saved or deleted. A store leaves
/// out what it wrote itself (its instance already holds those changes in memory).
public struct StoreChanges: Sendable, Equatable {
    /// The revision these changes bring the reader to.
    public var revision: Int64
    /// Keys added or changed, as stored now (secrets opened).
    public var keys: [KeyRecord]
    public var removedKeyIDs: [String]
    public var tokens: [ClientTokenRecord]
    public var removedTokenIDs: [String]
    /// Health another instance's traffic or probes decided, as stored (already merged there): the reader
    /// merges it into its own (`KeyPool.mergeHealth`) instead of replacing, as it does for an admin's change.
    public var health: [KeyHealthRecord]
    /// Provider definitions created or replaced through the admin API, as stored now.
    public var providers: [ProviderDefinition]
    public var removedProviders: [ProviderID]

    public init(
        revision: Int64, keys: [KeyRecord] = [], removedKeyIDs: [String] = [], tokens: [ClientTokenRecord] = [],
        removedTokenIDs: [String] = [], health: [KeyHealthRecord] = [], providers: [ProviderDefinition] = [],
        removedProviders: [ProviderID] = []
    ) {
        self.revision = revision
        self.keys = keys
        self.removedKeyIDs = removedKeyIDs
        self.tokens = tokens
        self.removedTokenIDs = removedTokenIDs
        self.health = health
        self.providers = providers
        self.removedProviders = removedProviders
    }

    public var isEmpty: Bool {
        keys.isEmpty && removedKeyIDs.isEmpty && tokens.isEmpty && removedTokenIDs.isEmpty && health.isEmpty
            && providers.isEmpty && removedProviders.isEmpty
    }
}

/// The kinds of rows in a store's change log.
enum ChangeKind {
    /// Keys inserted in one transaction: the item is `FIRST:LAST` of their insertion order (rowid or seq).
    static let keysAdded = "keys_added"
    /// One key deleted or its health replaced: the item is its id.
    static let key = "key"
    /// One client token created or revoked: the item is its id.
    static let token = "token"
    /// One key's health as traffic or probes decided it (merged, not replaced): the item is its id.
    static let keyHealth = "key_health"
    /// One provider definition saved or deleted through the admin API: the item is its name.
    static let provider = "provider"
    /// Key statistics written under this revision (`key_stats.rev`); nothing for the feed to apply.
    static let stats = "stats"
}
