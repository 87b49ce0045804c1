import Foundation
import Synchronization

/// The in-memory pool of upstream keys for every provider: selection, failover bookkeeping and admin views.
///
/// The request path touches only memory: one short per-provider critical section to lease a key, one to report
/// the outcome, and lock-free counters for statistics. Persistence happens elsewhere, in batches.
public final class KeyPool: Sendable {
    final class Guarded: Sendable {
        let rotation: Mutex<ProviderRotation>
        init(_ provider: ProviderID) { rotation = Mutex(ProviderRotation(provider: provider)) }
    }

    public let clock: any PoolClock
    public let policy: CooldownPolicy
    /// Each provider's rotation, made when its first key arrives (or at init for the providers named there) and
    /// never replaced: a request reads the dictionary once, then works under its provider's lock only.
    private let providers: Mutex<[ProviderID: Guarded]>
    /// Keys whose counters changed since the last `takeChangedStats`, each queued once by the attempt that
    /// changed them first.
    private let changedKeys = Mutex<[PooledKey]>([])

    public init(
        providers: [ProviderID] = ProviderID.builtIn, policy: CooldownPolicy = CooldownPolicy(),
        clock: any PoolClock = SystemClock()
    ) {
        self.clock = clock
        self.policy = policy
        self.providers = Mutex(
            Dictionary(providers.map { ($0, Guarded($0)) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The providers that have a rotation (keys, now or before, or named at init): the built-ins first, then the
    /// others by name. Keys of a provider no catalog names stay here; they are just unroutable.
    public var providerIDs: [ProviderID] {
        let present = Set(providers.withLock { $0.keys })
        let builtIn = ProviderID.builtIn.filter(present.contains)
        return builtIn + present.subtracting(builtIn).sorted { $0.rawValue < $1.rawValue }
    }

    /// The rotation of `provider`, or nil when it has never had one.
    func guarded(_ provider: ProviderID) -> Guarded? {
        providers.withLock { $0[provider] }
    }

    /// The rotation of `provider`, made on first use.
    private func guardedMaking(_ provider: ProviderID) -> Guarded {
        providers.withLock { providers in
            if let existing = providers[provider] { return existing }
            let made = Guarded(provider)
            providers[provider] = made
            return made
        }
    }

    /// Every rotation, in no particular order.
    var everyGuarded: [Guarded] { providers.withLock { Array($0.values) } }

    // MARK: Request path

    /// Leases the next usable key of `provider` for `model`, skipping keys this request already tried.
    public func lease(provider: ProviderID, model: String?, excluding tried: [KeyLease] = []) -> LeaseResult {
        let excluded = tried.map { $0.key.handle }
        let now = clock.now
        guard let guarded = guarded(provider) else { return .empty }
        return guarded.rotation.withLock { $0.lease(model: model, excluding: excluded, now: now) }
    }

    /// The earliest moment a resting key of `provider` returns by itself, if any will; leases nothing.
    public func earliestReturn(provider: ProviderID) -> Date? {
        let now = clock.now
        return guarded(provider)?.rotation.withLock { $0.earliestReturn(now: now) }
    }

    /// Records how an attempt with a leased key ended: statistics, health and rotation.
    @discardableResult
    public func report(
        _ lease: KeyLease, outcome: AttemptOutcome, latencyMillis: Int, usage: TokenUsage? = nil
    ) -> KeyTransition {
        let now = clock.now
        if lease.key.counters.record(outcome, latencyMillis: latencyMillis, usage: usage, at: now) {
            changedKeys.withLock { $0.append(lease.key) }
        }
        let policy = self.policy
        return guardedMaking(lease.key.provider).rotation.withLock {
            $0.report(lease, outcome: outcome, now: now, policy: policy)
        }
    }

    // MARK: Membership

    /// Adds stored or newly imported keys of any provider. Keys whose identity (see `KeyIdentity`) is already in
    /// their provider's pool are skipped.
    /// - Returns: the ids actually added.
    @discardableResult
    public func add(_ records: [KeyRecord], stats: [String: KeyStatsRecord] = [:]) -> [String] {
        let now = clock.now
        var added: [String] = []
        for (provider, group) in Dictionary(grouping: records, by: \.provider) {
            let guarded = guardedMaking(provider)
            guarded.rotation.withLock { $0.reserveCapacity(additional: group.count) }
            // In chunks, so a bulk import never holds the provider's lock long enough to stall leases.
            for start in stride(from: 0, to: group.count, by: 1024) {
                guarded.rotation.withLock { rotation in
                    for record in group[start..<min(start + 1024, group.count)]
                    where rotation.add(record, stats: stats[record.id], now: now) {
                        added.append(record.id)
                    }
                }
            }
        }
        return added
    }

    /// True when `provider` already holds a key with this secret and no base URL of its own.
    public func contains(secret: String, provider: ProviderID) -> Bool {
        contains(identity: KeyIdentity.of(baseURL: nil, secret: secret), provider: provider)
    }

    /// Removes keys by id; returns the ids that were present.
    @discardableResult
    public func remove(ids: [String]) -> [String] {
        var removed: [String] = []
        for guarded in everyGuarded {
            guarded.rotation.withLock { rotation in
                for id in ids {
                    if let handle = rotation.handle(forID: id), let gone = rotation.remove(handle: handle) {
                        removed.append(gone)
                    }
                }
            }
        }
        return removed
    }

    /// Finds a key's id from its id or its full secret (of a key without its own base URL), in one provider or in
    /// all.
    public func resolveID(_ idOrSecret: String, provider: ProviderID? = nil) -> String? {
        let candidates = provider.map { [$0] } ?? providerIDs
        for candidate in candidates {
            let found = guarded(candidate)?.rotation.withLock { rotation -> String? in
                if rotation.handle(forID: idOrSecret) != nil { return idOrSecret }
                if let handle = rotation.handle(forIdentity: idOrSecret) { return rotation.slots[handle]?.key.id }
                return nil
            }
            if let found { return found }
        }
        return nil
    }

    // MARK: Admin changes

    /// Changes a key's health with `change`; returns the new health, or nil for an unknown id.
    @discardableResult
    public func updateHealth(id: String, _ change: (inout KeyHealth, Date) -> Void) -> KeyHealth? {
        let now = clock.now
        for guarded in everyGuarded {
            let result = guarded.rotation.withLock { rotation -> KeyHealth? in
                guard let handle = rotation.handle(forID: id), var health = rotation.slots[handle]?.health else {
                    return nil
                }
                change(&health, now)
                rotation.setHealth(health, handle: handle, now: now)
                return health
            }
            if let result { return result }
        }
        return nil
    }

    /// Applies what a probe found out about a key to its health (see `KeyHealth.applyProbe`). The change goes
    /// to the store with the next traffic batch.
    /// - Returns: the transition and the key's health afterwards, or nil for an unknown id.
    public func applyProbe(id: String, outcome: ProbeOutcome) -> (transition: KeyTransition, health: KeyHealth)? {
        let now = clock.now
        let policy = self.policy
        for guarded in everyGuarded {
            let result = guarded.rotation.withLock { rotation -> (KeyTransition, KeyHealth)? in
                guard let handle = rotation.handle(forID: id) else { return nil }
                let transition = rotation.applyProbe(outcome, handle: handle, now: now, policy: policy)
                return rotation.slots[handle].map { (transition, $0.health) }
            }
            if let result { return result }
        }
        return nil
    }

    /// Records what probes learned about a key's models and credit; routing follows the new model list at once.
    /// - Returns: false for an unknown id.
    @discardableResult
    public func updateProfile(_ profile: KeyProfileRecord) -> Bool {
        let now = clock.now
        for guarded in everyGuarded {
            let found = guarded.rotation.withLock { rotation -> Bool in
                guard let handle = rotation.handle(forID: profile.keyID) else { return false }
                rotation.updateProfile(profile, handle: handle, now: now)
                return true
            }
            if found { return true }
        }
        return false
    }

    /// The key with this id, secret included, for code that must talk to the upstream about it (probes).
    public func key(id: String) -> PooledKey? {
        for guarded in everyGuarded {
            let key = guarded.rotation.withLock { rotation in
                rotation.handle(forID: id).flatMap { rotation.slots[$0]?.key }
            }
            if let key { return key }
        }
        return nil
    }

    /// Health changed by traffic (and by probes, short of lifting a penalty) since the last call, for the next
    /// persistence batch: the store and other instances merge it (`KeyHealth.merge`).
    public func takeChangedHealth() -> [KeyHealthRecord] {
        everyGuarded.flatMap { guarded in guarded.rotation.withLock { $0.takeChangedHealth() } }
    }

    /// Health a probe restored since the last call (a passing probe, or a 429/402 proving a rejected key
    /// genuine): a deliberate verdict, stored and sent to other instances as a replacement like an admin's
    /// change, since the merge rule would keep the penalty it lifts.
    public func takeLiftedHealth() -> [KeyHealthRecord] {
        everyGuarded.flatMap { guarded in guarded.rotation.withLock { $0.takeLiftedHealth() } }
    }

    /// What keys counted since the last call, as increments for the next persistence batch (counters minus what
    /// the store holds as far as this instance knows; dates are the latest), keys removed meanwhile left out.
    /// Costs what changed, not the size of the pool. One caller at a time (the statistics writer).
    /// - Parameter limit: at most this many keys (the longest-waiting first); the rest stay queued for the next
    ///   call, their counts intact, so a writer can bound a batch's memory (`changedStatsCount` says how many are
    ///   left).
    public func takeChangedStats(limit: Int = .max) -> [KeyStatsRecord] {
        let keys = changedKeys.withLock { changed -> [PooledKey] in
            guard changed.count > limit else {
                defer { changed = [] }
                return changed
            }
            let taken = Array(changed[..<limit])
            changed.removeFirst(limit)
            return taken
        }
        guard !keys.isEmpty else { return [] }
        var changed: [KeyStatsRecord] = []
        changed.reserveCapacity(keys.count)
        for key in present(keys) where key.counters.takeChanged() {
            changed.append(key.flushed.advance(to: key.counters.snapshot(keyID: key.id)))
        }
        return changed
    }

    /// How many keys' counters changed since `takeChangedStats` last took them.
    public var changedStatsCount: Int { changedKeys.withLock { $0.count } }

    /// Takes in the store's totals of keys another writer counted (absolute, as read back from the store): each
    /// key's counters gain what the store holds beyond what this instance knew it to hold, so they show the
    /// cluster's totals plus this instance's unflushed part. Unknown ids are ignored. Call it on the writer's
    /// task, with no batch of this instance's in flight (its increments would be counted twice or not at all).
    /// - Returns: how many keys moved.
    @discardableResult
    public func absorbStored(_ stored: [KeyStatsRecord]) -> Int {
        var moved = 0
        for record in stored {
            guard let key = key(id: record.keyID) else { continue }
            let others = key.flushed.advance(to: record)
            guard
                others.requests != 0 || others.successes != 0 || others.failures != 0
                    || others.latencyMillisSum != 0 || others.promptTokens != 0 || others.completionTokens != 0
            else { continue }
            key.counters.absorb(others)
            moved += 1
        }
        return moved
    }

    /// Applies another instance's decision about a key's health under the merge rule (`KeyHealth.merge`): a
    /// later penalty wins, a stale `active` undoes nothing. Not queued for publishing: it came from the store.
    /// - Returns: true when the key's health changed.
    @discardableResult
    public func mergeHealth(id: String, _ incoming: KeyHealth) -> Bool {
        let now = clock.now
        for guarded in everyGuarded {
            let result = guarded.rotation.withLock { rotation -> Bool? in
                guard let handle = rotation.handle(forID: id), var health = rotation.slots[handle]?.health else {
                    return nil
                }
                guard health.merge(incoming, at: now) else { return false }
                rotation.setHealth(health, handle: handle, now: now)
                return true
            }
            if let result { return result }
        }
        return false
    }

    /// The keys of `keys` still in the pool.
    private func present(_ keys: [PooledKey]) -> [PooledKey] {
        Dictionary(grouping: keys, by: \.provider).flatMap { provider, group in
            guarded(provider)?.rotation.withLock { rotation in group.filter { rotation.slots[$0.handle]?.key === $0 } }
                ?? []
        }
    }

    // MARK: Views

    /// Every key of `provider` (or of all providers), as admin views, in creation order.
    public func views(provider: ProviderID? = nil) -> [KeyView] {
        let now = clock.now
        let candidates = provider.map { [$0] } ?? providerIDs
        var views: [KeyView] = []
        for candidate in candidates {
            let slots =
                guarded(candidate)?.rotation.withLock { rotation in
                    rotation.slots.values.map { ($0, rotation.details[$0.key.handle]) }
                } ?? []
            views.reserveCapacity(views.count + slots.count)
            for (slot, details) in slots {
                views.append(Self.view(of: slot, details: details, provider: candidate, now: now))
            }
        }
        views.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return views
    }

    /// The view of one key by id.
    public func view(id: String) -> KeyView? {
        let now = clock.now
        for candidate in providerIDs {
            let found = guarded(candidate)?.rotation.withLock { rotation in
                rotation.handle(forID: id).flatMap { handle in
                    rotation.slots[handle].map { ($0, rotation.details[handle]) }
                }
            }
            if let (slot, details) = found {
                return Self.view(of: slot, details: details, provider: candidate, now: now)
            }
        }
        return nil
    }

    private static func view(
        of slot: ProviderRotation.Slot, details: ProviderRotation.Details?, provider: ProviderID, now: Date
    ) -> KeyView {
        KeyView(
            id: slot.key.id, provider: provider, maskedSecret: slot.key.maskedSecret,
            username: slot.key.username, createdAt: slot.key.createdAt, expiresAt: slot.expiresAt,
            status: slot.health.status(at: now, expiresAt: slot.expiresAt), health: slot.health,
            models: slot.models, category: details?.category, credit: details?.credit,
            stats: slot.key.counters.snapshot(keyID: slot.key.id), baseURL: slot.key.baseURL,
            placement: slot.placement
        )
    }

    /// How many keys `provider` holds in each status.
    public func statusCounts(provider: ProviderID) -> [KeyStatus: Int] {
        let now = clock.now
        guard let guarded = guarded(provider) else { return [:] }
        return guarded.rotation.withLock { rotation in
            var counts: [KeyStatus: Int] = [:]
            for slot in rotation.slots.values {
                counts[slot.health.status(at: now, expiresAt: slot.expiresAt), default: 0] += 1
            }
            return counts
        }
    }

    public func count(provider: ProviderID) -> Int {
        guarded(provider)?.rotation.withLock { $0.count } ?? 0
    }
}
