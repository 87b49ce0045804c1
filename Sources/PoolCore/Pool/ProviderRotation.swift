import Foundation

/// One provider's keys and their rotation. Not thread-safe on its own: `KeyPool` guards it with a mutex and
/// keeps every operation O(1) (or O(log n) for wake-ups) so the critical section stays tiny.
struct ProviderRotation {
    /// What selection reads and changes; kept small because there is one per key (what only the admin views
    /// read lives in `PooledKey` or, when present at all, in `details`).
    /// The one-byte fields follow `expiresAt` to fill the bytes its optional leaves before `health` (Swift lays a
    /// struct out in declaration order): 80 bytes a slot instead of 104 with `KeyHealth`'s narrow counters.
    struct Slot {
        let key: PooledKey
        var expiresAt: Date?
        /// The key is in the rings: usable now and not on an unfinished trial.
        var inRotation = false
        /// A trial request is under way; nobody else may use the key until it reports.
        var trialInFlight = false
        /// The key's weight and tier, a byte each (both are small).
        private var weight: UInt8
        private var tier: UInt8
        var health: KeyHealth
        var models: [String]

        init(key: PooledKey, expiresAt: Date?, health: KeyHealth, models: [String], placement: KeyPlacement) {
            self.key = key
            self.expiresAt = expiresAt
            self.health = health
            self.models = models
            weight = UInt8(clamping: placement.weight)
            tier = UInt8(clamping: placement.tier)
        }

        var placement: KeyPlacement {
            get { KeyPlacement(weight: Int(weight), tier: Int(tier)) }
            set {
                weight = UInt8(clamping: newValue.weight)
                tier = UInt8(clamping: newValue.tier)
            }
        }

        /// Index of the key's tier in `tiers`; an out-of-range tier (never stored) counts as the nearest valid one.
        var tierIndex: Int { min(max(Int(tier), KeyPlacement.tiers.lowerBound), KeyPlacement.tiers.upperBound) - 1 }
        var ringWeight: Int { min(max(Int(weight), KeyPlacement.weights.lowerBound), KeyPlacement.weights.upperBound) }
    }

    /// What probes learned besides models; most keys never have any.
    struct Details {
        var category: String?
        var credit: KeyCredit?
    }

    let provider: ProviderID
    private(set) var slots = SlotTable<Slot>()
    private(set) var details: [Int: Details] = [:]
    private var handleByID = HandleIndex()
    /// Keys by `KeyIdentity` (the secret, plus the key's own base URL when it has one): the duplicate rule.
    private var handleByIdentity = HandleIndex()
    /// The rings of each tier, tier 1 first: a lease takes the lowest tier with a usable candidate. Empty tiers
    /// cost a few empty arrays; their dense tables grow only when a key lands there.
    private var tiers = [TierRings](repeating: TierRings(), count: KeyPlacement.tiers.upperBound)
    /// Keys in any state that list a model, by routing name: tells "nobody serves it" from "nobody can right now".
    private var servingCounts: [String: Int] = [:]
    /// Keys in any state without a model list.
    private var anyModelCount = 0
    private var wakeups = WakeupQueue()
    private var nextHandle = 0
    /// Keys whose health changed through traffic since the last flush, with when it last changed.
    private var changedHealth: [Int: Date] = [:]
    /// Keys a probe lifted a penalty from (restored, or found genuine after a rejection) since the last flush:
    /// published as a replacement, since the merge rule would keep the penalty (see `takeLiftedHealth`).
    private var liftedHealth: [Int: Date] = [:]

    init(provider: ProviderID) {
        self.provider = provider
    }

    var count: Int { slots.count }

    /// Makes room for `additional` more keys at once, so a bulk load does not regrow its tables step by step.
    /// Growth stays geometric: a load in batches must not copy the tables once per batch.
    mutating func reserveCapacity(additional: Int) {
        slots.reserveCapacity(handleLimit: nextHandle + additional)
        let needed = handleByID.count + additional
        if needed > handleByID.capacity {
            let slots = slots
            handleByID.reserveCapacity(max(needed, handleByID.capacity * 2)) { slots[$0]!.key.id }
            handleByIdentity.reserveCapacity(max(needed, handleByIdentity.capacity * 2)) { slots[$0]!.key.identity }
        }
    }

    /// True when a key of this identity (see `KeyIdentity`) is present.
    func contains(identity: String) -> Bool { handle(forIdentity: identity) != nil }

    func handle(forID id: String) -> Int? { handleByID.find(id) { slots[$0]?.key.id == id } }

    /// The key of this identity; for a key without its own base URL, the identity is its secret.
    func handle(forIdentity identity: String) -> Int? {
        handleByIdentity.find(identity) { slots[$0]?.key.identity == identity }
    }

    /// True when some key, in any state, lists `model` (by routing name).
    func serves(model: String) -> Bool { servingCounts[Self.routingName(model)] != nil }

    // MARK: Membership

    /// Adds a key; a key whose identity (see `KeyIdentity`) or id is already present is ignored. Returns whether
    /// it was added.
    @discardableResult
    mutating func add(_ record: KeyRecord, stats: KeyStatsRecord?, now: Date) -> Bool {
        let baseURL = record.baseURL.map(ProviderRules.normalizedBaseURL)
        let identity = KeyIdentity.of(baseURL: baseURL, secret: record.secret)
        guard handle(forIdentity: identity) == nil, handle(forID: record.id) == nil else { return false }
        let handle = nextHandle
        nextHandle += 1
        let key = PooledKey(
            id: record.id, provider: provider, secret: record.secret, baseURL: baseURL, username: record.username,
            createdAt: record.createdAt, counters: KeyCounters(stats), flushed: FlushedCounts(stats),
            handle: handle
        )
        slots[handle] = Slot(
            key: key, expiresAt: record.expiresAt, health: record.health, models: record.models,
            placement: record.placement)
        if record.category != nil || record.credit != nil {
            details[handle] = Details(category: record.category, credit: record.credit)
        }
        do {
            // A read-only copy for the regrowth callbacks; it shares storage and dies before `slots` changes again.
            let slots = slots
            handleByID.insert(record.id, handle: handle) { slots[$0]!.key.id }
            handleByIdentity.insert(identity, handle: handle) { slots[$0]!.key.identity }
        }
        countModels(of: handle, by: 1)
        syncMembership(handle, now: now)
        return true
    }

    /// Removes a key; returns its id if it was present.
    @discardableResult
    mutating func remove(handle: Int) -> String? {
        guard let slot = slots[handle] else { return nil }
        removeFromRings(handle)
        countModels(of: handle, by: -1)
        slots[handle] = nil
        details[handle] = nil
        handleByID.remove(slot.key.id, handle: handle)
        handleByIdentity.remove(slot.key.identity, handle: handle)
        changedHealth[handle] = nil
        liftedHealth[handle] = nil
        return slot.key.id
    }

    // MARK: Selection

    /// Picks the next key that is usable, not in `excluded` and serves `model`: from the lowest tier that has
    /// one, in weighted round-robin order within the tier.
    mutating func lease(model: String?, excluding excluded: [Int], now: Date) -> LeaseResult {
        releaseDueWakeups(now: now)
        guard !slots.isEmpty else { return .empty }
        let candidates: RotationCandidates
        if let model {
            let name = Self.routingName(model)
            guard anyModelCount > 0 || servingCounts[name] != nil else { return .modelNotServed(model: model) }
            candidates = .serving(name)
        } else {
            candidates = .every
        }
        for tier in tiers.indices where !tiers[tier].isEmpty {
            if let lease = lease(in: tier, candidates: candidates, excluding: excluded, now: now) {
                return .leased(lease)
            }
        }
        return .noneUsable(retryAt: earliestReturn(now: now))
    }

    /// One tier's walk: at most one lap of its places.
    private mutating func lease(
        in tier: Int, candidates: RotationCandidates, excluding excluded: [Int], now: Date
    ) -> KeyLease? {
        var inspected = 0
        let budget = tiers[tier].count(of: candidates)
        while inspected < budget {
            guard let handle = tiers[tier].next(of: candidates) else { break }
            inspected += 1
            guard let slot = slots[handle] else { continue }
            if let expiresAt = slot.expiresAt, expiresAt <= now {
                removeFromRings(handle)
                continue
            }
            if excluded.contains(handle) { continue }
            if slot.health.isOnTrial(at: now) {
                removeFromRings(handle)
                slots[handle]!.trialInFlight = true
                return KeyLease(key: slot.key, isTrial: true)
            }
            return KeyLease(key: slot.key, isTrial: false)
        }
        return nil
    }

    /// The name a model is routed by: Ollama treats `name` and `name:latest` as the same model.
    static func routingName(_ model: String) -> String {
        model.hasSuffix(":latest") ? String(model.dropLast(7)) : model
    }

    /// The distinct routing names of a key's model list.
    static func routingNames(_ models: [String]) -> Set<String> {
        Set(models.map(routingName))
    }

    /// Applies an attempt's outcome to the key's health and moves it in or out of rotation.
    mutating func report(_ lease: KeyLease, outcome: AttemptOutcome, now: Date, policy: CooldownPolicy) -> KeyTransition
    {
        let handle = lease.key.handle
        guard var slot = slots[handle] else { return .unchanged }
        let before = slot.health
        let transition = slot.health.apply(outcome, at: now, policy: policy)
        if lease.isTrial { slot.trialInFlight = false }
        slots[handle] = slot
        if slot.health != before {
            changedHealth[handle] = now
            liftedHealth[handle] = nil
        }
        syncMembership(handle, now: now)
        return transition
    }

    /// Replaces a key's health (an admin's enable/disable, another instance's decision) and re-syncs its rotation
    /// membership. A decision of this instance's still unpublished is dropped: the replacement is newer.
    mutating func setHealth(_ health: KeyHealth, handle: Int, now: Date) {
        guard slots[handle] != nil else { return }
        slots[handle]!.health = health
        changedHealth[handle] = nil
        liftedHealth[handle] = nil
        syncMembership(handle, now: now)
    }

    /// Applies a probe's outcome to the key's health; the change is kept for the next flush like traffic's.
    mutating func applyProbe(_ outcome: ProbeOutcome, handle: Int, now: Date, policy: CooldownPolicy) -> KeyTransition {
        guard var slot = slots[handle] else { return .unchanged }
        let before = slot.health
        let transition = slot.health.applyProbe(outcome, at: now, policy: policy)
        slots[handle] = slot
        if slot.health != before {
            let wasInvalid = if case .invalid = before.condition { true } else { false }
            let isInvalid = if case .invalid = slot.health.condition { true } else { false }
            if transition == .recovered || (wasInvalid && !isInvalid) {
                liftedHealth[handle] = now
                changedHealth[handle] = nil
            } else {
                changedHealth[handle] = now
                liftedHealth[handle] = nil
            }
        }
        syncMembership(handle, now: now)
        return transition
    }

    /// Moves a key to another weight and tier, whatever its state.
    mutating func setPlacement(_ placement: KeyPlacement, handle: Int) {
        // The change feed hands back every changed key; one whose placement stays keeps its places and order.
        guard let slot = slots[handle], slot.placement != placement else { return }
        // Membership does not depend on the placement: a key in rotation moves rings, any other just keeps it
        // for when it returns (no new wake-up entry).
        removeFromRings(handle)
        slots[handle]!.placement = placement
        if slot.inRotation { addToRings(handle) }
    }

    /// Replaces what is known about a key's models and credit, moving it between the model rings.
    mutating func updateProfile(_ profile: KeyProfileRecord, handle: Int, now: Date) {
        guard slots[handle] != nil else { return }
        removeFromRings(handle)
        countModels(of: handle, by: -1)
        slots[handle]!.models = profile.models
        let extra = Details(category: profile.category, credit: profile.credit)
        details[handle] = extra.category != nil || extra.credit != nil ? extra : nil
        countModels(of: handle, by: 1)
        syncMembership(handle, now: now)
    }

    mutating func takeChangedHealth() -> [KeyHealthRecord] {
        defer { changedHealth.removeAll(keepingCapacity: true) }
        return changedHealth.compactMap { handle, decidedAt in
            slots[handle].map { KeyHealthRecord(keyID: $0.key.id, health: $0.health, decidedAt: decidedAt) }
        }
    }

    mutating func takeLiftedHealth() -> [KeyHealthRecord] {
        defer { liftedHealth.removeAll(keepingCapacity: true) }
        return liftedHealth.compactMap { handle, decidedAt in
            slots[handle].map { KeyHealthRecord(keyID: $0.key.id, health: $0.health, decidedAt: decidedAt) }
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
            addToRings(handle)
        } else {
            removeFromRings(handle)
            if let end = slot.health.condition.endsAt, end > now, !slot.trialInFlight {
                wakeups.push(.init(at: end, handle: handle))
            }
        }
    }

    private mutating func releaseDueWakeups(now: Date) {
        while let first = wakeups.first, first.at <= now {
            _ = wakeups.popFirst()
            guard let slot = slots[first.handle], !slot.inRotation else { continue }
            guard slot.health.condition.endsAt == first.at else { continue }
            syncMembership(first.handle, now: now)
        }
    }

    private mutating func countModels(of handle: Int, by delta: Int) {
        guard let models = slots[handle]?.models else { return }
        // Most keys have no model list; skip building a set for them.
        if models.isEmpty {
            anyModelCount += delta
            return
        }
        for name in Self.routingNames(models) {
            let updated = servingCounts[name, default: 0] + delta
            servingCounts[name] = updated > 0 ? updated : nil
        }
    }

    private mutating func addToRings(_ handle: Int) {
        guard let slot = slots[handle], !slot.inRotation else { return }
        slots[handle]!.inRotation = true
        let names = slot.models.isEmpty ? [] : Self.routingNames(slot.models)
        tiers[slot.tierIndex].insert(handle, weight: slot.ringWeight, routingNames: names)
    }

    private mutating func removeFromRings(_ handle: Int) {
        guard let slot = slots[handle], slot.inRotation else { return }
        slots[handle]!.inRotation = false
        let names = slot.models.isEmpty ? [] : Self.routingNames(slot.models)
        tiers[slot.tierIndex].remove(handle, routingNames: names)
    }
}
