import Foundation
import Logging
import PoolCore
import PoolStore
import ServiceLifecycle

/// Picks up what other writers changed in the store (another instance on the same database, or a CLI command
/// against a running server's database): keys added or deleted, admin enable/disable, client tokens created or
/// revoked. Polls the store's revision every `interval` and applies the changes after the last one it saw.
///
/// Not (yet) in the feed: key health decided by another instance's traffic or probes, and profiles.
struct ChangeFeedService: Service {
    let gateway: Gateway
    let interval: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var seen = gateway.loadedRevision
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                seen = await catchUp(from: seen)
            }
        }
    }

    /// Applies the changes after `revision`; returns the revision reached (unchanged when the store failed).
    func catchUp(from revision: Int64) async -> Int64 {
        do {
            guard try await gateway.store.revision() > revision else { return revision }
            let changes = try await gateway.store.changes(after: revision)
            if !changes.isEmpty { apply(changes) }
            return changes.revision
        } catch {
            gateway.logger.warning(
                "could not read the store's changes; will retry", metadata: ["error": "\(error)"])
            return revision
        }
    }

    /// Brings the pool and the token registry in line with changes another writer made.
    func apply(_ changes: StoreChanges) {
        let pool = gateway.pool
        if !changes.removedKeyIDs.isEmpty { pool.remove(ids: changes.removedKeyIDs) }
        var added: [KeyRecord] = []
        for key in changes.keys {
            // A key this instance holds already: take the stored health (an admin enabled or disabled it).
            if pool.updateHealth(id: key.id, { health, _ in health = key.health }) == nil { added.append(key) }
        }
        if !added.isEmpty { pool.add(added) }
        let tokens = gateway.tokens
        for id in changes.removedTokenIDs { tokens.remove(id: id) }
        let held = Set(tokens.entries().map(\.record.id))
        for token in changes.tokens where !held.contains(token.id) { tokens.add(token) }
        gateway.logger.info(
            "applied changes from another writer",
            metadata: [
                "keys": "\(changes.keys.count)", "keys_removed": "\(changes.removedKeyIDs.count)",
                "tokens": "\(changes.tokens.count)", "tokens_removed": "\(changes.removedTokenIDs.count)",
                "revision": "\(changes.revision)",
            ])
    }
}
