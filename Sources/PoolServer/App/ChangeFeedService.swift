import Foundation
import Logging
import PoolCore
import PoolStore
import ServiceLifecycle

/// Picks up what other writers changed in the store (another instance on the same database, or a CLI command
/// against a running server's database): keys added or deleted, admin enable/disable, client tokens created or
/// revoked. Polls the store's revision every `interval` (and, with PostgreSQL, wakes up at once on a LISTEN
/// notification) and applies the changes after the last one it saw.
///
/// Not (yet) in the feed: key health decided by another instance's traffic or probes, and profiles.
struct ChangeFeedService: Service {
    let gateway: Gateway
    let interval: Duration

    func run() async throws {
        // One queue of wake-ups, fed by the poll timer and (with PostgreSQL) by LISTEN; one reader applies.
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let interval = self.interval
        let signals = gateway.store.changeSignals()
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: interval)) != nil { wake.yield() }
                }
                if let signals {
                    group.addTask {
                        for await _ in signals { wake.yield() }
                    }
                }
                var seen = gateway.loadedRevision
                for await _ in wakeups {
                    seen = await catchUp(from: seen)
                }
                group.cancelAll()
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
        // New tokens are added; a changed one (policy, expiry) replaces its record and keeps its usage.
        for token in changes.tokens { tokens.upsert(token) }
        gateway.logger.info(
            "applied changes from another writer",
            metadata: [
                "keys": "\(changes.keys.count)", "keys_removed": "\(changes.removedKeyIDs.count)",
                "tokens": "\(changes.tokens.count)", "tokens_removed": "\(changes.removedTokenIDs.count)",
                "revision": "\(changes.revision)",
            ])
    }
}
