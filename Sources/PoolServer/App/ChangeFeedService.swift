import Foundation
import Logging
import PoolCore
import PoolStore
import ServiceLifecycle

/// Keeps this instance and the others on the same database in step. It picks up what other writers changed in
/// the store (another instance, or a CLI command against a running server's database): keys added or deleted,
/// admin enable/disable, client tokens created or revoked, and key health another instance's traffic or probes
/// decided (merged by `KeyHealth.merge`: a later penalty wins, a stale `active` undoes nothing). It polls the
/// store's revision every `interval` (and, with PostgreSQL, wakes up at once on a LISTEN notification), and
/// publishes the health this instance decides (`HealthPublisher`).
///
/// While the store is away it keeps polling with a back-off of up to `maximumBackoff` (so it catches up within
/// that long of the store's return), logs one warning per outage and one line when it is back.
struct ChangeFeedService: Service {
    let gateway: Gateway
    let interval: Duration
    var maximumBackoff: Duration = .seconds(2)

    func run() async throws {
        // One queue of wake-ups, fed by the poll timer and (with PostgreSQL) by LISTEN; one reader applies.
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let signals = gateway.store.changeSignals()
        let publisher = HealthPublisher(pool: gateway.pool, store: gateway.store, logger: gateway.logger)
        let outage = StoreOutageLog(logger: gateway.logger, what: "reading other instances' changes")
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await publisher.run() }
                if let signals {
                    group.addTask {
                        for await _ in signals { wake.yield() }
                    }
                }
                group.addTask {
                    // The poll: every `interval` while the store answers, backing off while it does not.
                    while !Task.isCancelled {
                        let pause = outage.isFailing ? maximumBackoff : interval
                        guard (try? await Task.sleep(for: pause)) != nil else { break }
                        wake.yield()
                    }
                }
                var seen = gateway.loadedRevision
                for await _ in wakeups {
                    seen = await catchUp(from: seen, outage: outage)
                }
                group.cancelAll()
            }
        }
    }

    /// Applies the changes after `revision`; returns the revision reached (unchanged when the store failed).
    func catchUp(from revision: Int64, outage: StoreOutageLog? = nil) async -> Int64 {
        do {
            // A store that is away can keep a call waiting for a connection for long (PostgreSQL: 30 s); the
            // poll gives up sooner, so that `/health` and the log tell of the outage within seconds.
            let store = gateway.store
            let current = try await withStoreDeadline(Self.pollTimeout, what: "read the store's revision") {
                try await store.revision()
            }
            var reached = revision
            if current > revision {
                let changes = try await gateway.store.changes(after: revision)
                if !changes.isEmpty { apply(changes) }
                reached = changes.revision
            }
            gateway.feedStatus.caughtUp(applied: reached, store: current, at: gateway.clock.now)
            outage?.succeeded()
            return reached
        } catch {
            gateway.feedStatus.failed()
            outage?.failed(error)
            return revision
        }
    }

    /// How long one poll of the store's revision may take before it counts as failed.
    static let pollTimeout: Duration = .seconds(3)

    /// Brings the provider catalog, the pool and the token registry in line with changes another writer made.
    func apply(_ changes: StoreChanges) {
        // Providers first: keys added below may belong to a provider created in the same changes.
        for name in changes.removedProviders {
            gateway.providers.removeStored(name)
            gateway.modelCache.clear(provider: name)
        }
        for definition in changes.providers {
            gateway.providers.applyStored(definition)
            gateway.modelCache.clear(provider: definition.name)
        }
        let pool = gateway.pool
        if !changes.removedKeyIDs.isEmpty { pool.remove(ids: changes.removedKeyIDs) }
        var added: [KeyRecord] = []
        for key in changes.keys {
            // A key this instance holds already: take the stored health (an admin enabled or disabled it) and
            // placement (an admin changed its weight or tier).
            if pool.updateHealth(id: key.id, { health, _ in health = key.health }) == nil {
                added.append(key)
            } else {
                pool.setPlacement(keyID: key.id, key.placement)
            }
        }
        if !added.isEmpty { pool.add(added) }
        var merged = 0
        for record in changes.health where pool.mergeHealth(id: record.keyID, record.health) { merged += 1 }
        let tokens = gateway.tokens
        for id in changes.removedTokenIDs { tokens.remove(id: id) }
        // New tokens are added; a changed one (policy, expiry) replaces its record and keeps its usage.
        for token in changes.tokens { tokens.upsert(token) }
        let logLevel: Logger.Level =
            changes.keys.isEmpty && changes.tokens.isEmpty && changes.removedKeyIDs.isEmpty
                && changes.removedTokenIDs.isEmpty && changes.providers.isEmpty && changes.removedProviders.isEmpty
            ? .debug : .info
        gateway.logger.log(
            level: logLevel, "applied changes from another writer",
            metadata: [
                "keys": "\(changes.keys.count)", "keys_removed": "\(changes.removedKeyIDs.count)",
                "tokens": "\(changes.tokens.count)", "tokens_removed": "\(changes.removedTokenIDs.count)",
                "health": "\(changes.health.count)", "health_changed": "\(merged)", "revision": "\(changes.revision)",
                "providers": "\(changes.providers.count)", "providers_removed": "\(changes.removedProviders.count)",
            ])
    }
}
