import Foundation

/// One provider's keys and their rotation. Not thread-safe on its own: `KeyPool` guards it with a mutex and
/// keeps every operation O(1) (or O(log n) for wake-ups) so the critical section stays tiny.
struct ProviderRotation {
    struct Slot {
        let key: PooledKey
        var username: String?
        var createdAt: Date
        var expiresAt: Date?
        var health: KeyHealth
        var models: [String]
        var category: String?
        /// Position in `ring` while the key is in rotation.
        var ringIndex: Int?
        /// A trial request is under way; nobody else may use the key until it reports.
        var trialInFlight = false

        func serves(_ model: String?) -> Bool {
            guard let model, !models.isEmpty else { return true }
            return models.contains(model)
        }
    }

    let provider: ProviderID
    private(set) var slots: [Int: Slot] = [:]
    private(set) var handleByID: [String: Int] = [:]
    private var handleBySecret: [String: Int] = [:]
    /// Handles of keys in rotation; round-robin walks it with `cursor`.
    private var ring: [Int] = []
    private var cursor: UInt = 0
    private var wakeups = WakeupQueue()
    private var nextHandle = 0
    /// Keys whose health changed through traffic since the last flush.
    private var changedHealth: Set<Int> = []

    init(provider: ProviderID) {
        self.provider = provider
    }

    var count: Int { slots.count }

    func contains(secret: String) -> Bool { handleBySecret[secret] != nil }

    func handle(forID id: String) -> Int? { handleByID[id] }

    func handle(forSecret secret: String) -> Int? { handleBySecret[secret] }

    // MARK: Membership

    /// Adds a key; a key whose secret is already present is ignored. Returns whether it was added.
    @discardableResult
    mutating func add(_ record: KeyRecord, stats: KeyStatsRecord?, now: Date) -> Bool {
        guard handleBySecret[record.secret] == nil, handleByID[record.id] == nil else { return false }
        let handle = nextHandle
        nextHandle += 1
        let key = PooledKey(
            id: record.id, provider: provider, secret: record.secret, counters: KeyCounters(stats), handle: handle
        )
        slots[handle] = Slot(
            key: key, username: record.username, createdAt: record.createdAt, expiresAt: record.expiresAt,
            health: record.health, models: record.models, category: record.category
        )
        handleByID[record.id] = handle
        handleBySecret[record.secret] = handle
        syncMembership(handle, now: now)
        return true
    }

    /// Removes a key; returns its id if it was present.
    @discardableResult
    mutating func remove(handle: Int) -> String? {
        guard let slot = slots[handle] else { return nil }
        removeFromRing(handle)
        slots[handle] = nil
        handleByID[slot.key.id] = nil
        handleBySecret[slot.key.secret] = nil
        changedHealth.remove(handle)
        return slot.key.id
    }

    // MARK: Selection

    /// Picks the next key in round-robin order that is usable, not in `excluded` and serves `model`.
    mutating func lease(model: String?, excluding excluded: Set<Int>, now: Date) -> LeaseResult {
        releaseDueWakeups(now: now)
        guard !slots.isEmpty else { return .empty }
        var inspected = 0
        let budget = ring.count
        while inspected < budget, !ring.isEmpty {
            inspected += 1
            let position = Int(cursor % UInt(ring.count))
            cursor &+= 1
            let handle = ring[position]
            guard let slot = slots[handle] else { continue }
            if let expiresAt = slot.expiresAt, expiresAt <= now {
                removeFromRing(handle)
                continue
            }
            if excluded.contains(handle) || !slot.serves(model) { continue }
            if slot.health.isOnTrial(at: now) {
                removeFromRing(handle)
                slots[handle]!.trialInFlight = true
                return .leased(KeyLease(key: slot.key, isTrial: true))
            }
            return .leased(KeyLease(key: slot.key, isTrial: false))
        }
        return .noneUsable(retryAt: earliestReturn(now: now))
    }

    /// Applies an attempt's outcome to the key's health and moves it in or out of rotation.
    mutating func report(_ lease: KeyLease, outcome: AttemptOutcome, now: Date, policy: CooldownPolicy) -> KeyTransition {
        let handle = lease.key.handle
        guard var slot = slots[handle] else { return .unchanged }
        let before = slot.health
        let transition = slot.health.apply(outcome, at: now, policy: policy)
        if lease.isTrial { slot.trialInFlight = false }
        slots[handle] = slot
        if slot.health != before { changedHealth.insert(handle) }
        syncMembership(handle, now: now)
        return transition
    }

    /// Replaces a key's health (admin enable/disable, probes) and re-syncs its rotation membership.
    mutating func setHealth(_ health: KeyHealth, handle: Int, now: Date) {
        guard slots[handle] != nil else { return }
        slots[handle]!.health = health
        syncMembership(handle, now: now)
    }

    mutating func updateModels(_ models: [String], category: String?, handle: Int) {
        guard slots[handle] != nil else { return }
        slots[handle]!.models = models
        slots[handle]!.category = category
    }

    mutating func takeChangedHealth() -> [KeyHealthRecord] {
        defer { changedHealth.removeAll(keepingCapacity: true) }
        return changedHealth.compactMap { handle in
            slots[handle].map { KeyHealthRecord(keyID: $0.key.id, health: $0.health) }
        }
    }

    /// The earliest moment a resting key returns by itself, if any will. A stale queue entry (a key penalised
    /// again since) can make this a little early, never late: a client told to retry then finds out sooner.
    mutating func earliestReturn(now: Date) -> Date? {
        releaseDueWakeups(now: now)
        guard let first = wakeups.first, first.at > now else { return nil }
        return first.at
    }

    // MARK: Rotation bookkeeping

    private mutating func syncMembership(_ handle: Int, now: Date) {
        guard let slot = slots[handle] else { return }
        let usable = slot.health.status(at: now, expiresAt: slot.expiresAt) == .active && !slot.trialInFlight
        if usable {
            addToRing(handle)
        } else {
            removeFromRing(handle)
            if let end = slot.health.condition.endsAt, end > now, !slot.trialInFlight {
                wakeups.push(.init(at: end, handle: handle))
            }
        }
    }

    private mutating func releaseDueWakeups(now: Date) {
        while let first = wakeups.first, first.at <= now {
            _ = wakeups.popFirst()
            guard let slot = slots[first.handle], slot.ringIndex == nil else { continue }
            guard slot.health.condition.endsAt == first.at else { continue }
            syncMembership(first.handle, now: now)
        }
    }

    private mutating func addToRing(_ handle: Int) {
        guard slots[handle]?.ringIndex == nil else { return }
        slots[handle]!.ringIndex = ring.count
        ring.append(handle)
    }

    private mutating func removeFromRing(_ handle: Int) {
        guard let index = slots[handle]?.ringIndex else { return }
        slots[handle]!.ringIndex = nil
        swapRemove(at: index)
    }

    private mutating func swapRemove(at index: Int) {
        let last = ring.removeLast()
        if index < ring.count {
            ring[index] = last
            slots[last]?.ringIndex = index
        }
    }
}
