import Foundation

/// One provider's keys and their rotation. Not thread-safe on its own: `KeyPool` guards it with a mutex and
/// keeps every operation O(1) (or O(log n) for wake-ups) so the critical section stays tiny.
struct ProviderRotation {
    /// What selection reads and changes; kept small because there is one per key (what only the admin views
    /// read lives in `PooledKey` or, when present at all, in `details`).
    struct Slot {
        let key: PooledKey
        var expiresAt: Date?
        var health: KeyHealth
        var models: [String]
        /// The key is in the rings: usable now and not on an unfinished trial.
        var inRotation = false
        /// A trial request is under way; nobody else may use the key until it reports.
        var trialInFlight = false
    }

    /// Which keys a lease may choose from.
    private enum Candidates {
        /// Any usable key: the request names no model.
        case every
        /// Usable keys that list the model, then usable keys without a model list.
        case serving(String)
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
    private var handleBySecret = HandleIndex()
    /// Every key in rotation, for requests that name no model.
    private var everyKey = RotationRing(dense: true)
    /// Keys in rotation whose models are not known; they are eligible for every model.
    private var anyModel = RotationRing(dense: true)
    /// Keys in rotation that list a model, by the model's routing name. A request for a model walks this ring
    /// together with `anyModel`, so a lease never scans keys that cannot serve it.
    private var byModel: [String: RotationRing] = [:]
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
            handleBySecret.reserveCapacity(max(needed, handleBySecret.capacity * 2)) { slots[$0]!.key.secret }
        }
    }

    func contains(secret: String) -> Bool { handle(forSecret: secret) != nil }

    func handle(forID id: String) -> Int? { handleByID.find(id) { slots[$0]?.key.id == id } }

    func handle(forSecret secret: String) -> Int? { handleBySecret.find(secret) { slots[$0]?.key.secret == secret } }

    // MARK: Membership

    /// Adds a key; a key whose secret is already present is ignored. Returns whether it was added.
    @discardableResult
    mutating func add(_ record: KeyRecord, stats: KeyStatsRecord?, now: Date) -> Bool {
        guard handle(forSecret: record.secret) == nil, handle(forID: record.id) == nil else { return false }
        let handle = nextHandle
        nextHandle += 1
        let key = PooledKey(
            id: record.id, provider: provider, secret: record.secret, username: record.username,
            createdAt: record.createdAt, counters: KeyCounters(stats), flushed: FlushedCounts(stats),
            handle: handle
        )
        slots[handle] = Slot(key: key, expiresAt: record.expiresAt, health: record.health, models: record.models)
        if record.category != nil || record.credit != nil {
            details[handle] = Details(category: record.category, credit: record.credit)
        }
        do {
            // A read-only copy for the regrowth callbacks; it shares storage and dies before `slots` changes again.
            let slots = slots
            handleByID.insert(record.id, handle: handle) { slots[$0]!.key.id }
            handleBySecret.insert(record.secret, handle: handle) { slots[$0]!.key.secret }
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
        handleBySecret.remove(slot.key.secret, handle: handle)
        changedHealth[handle] = nil
        liftedHealth[handle] = nil
        return slot.key.id
    }

    // MARK: Selection

    /// Picks the next key in round-robin order that is usable, not in `excluded` and serves `model`.
    mutating func lease(model: String?, excluding excluded: [Int], now: Date) -> LeaseResult {
        releaseDueWakeups(now: now)
        guard !slots.isEmpty else { return .empty }
        let candidates: Candidates
        if let model {
            let name = Self.routingName(model)
            guard anyModelCount > 0 || servingCounts[name] != nil else { return .modelNotServed(model: model) }
            candidates = .serving(name)
        } else {
            candidates = .every
        }
        var inspected = 0
        let budget = count(of: candidates)
        while inspected < budget {
            let available = count(of: candidates)
            guard available > 0 else { break }
            inspected += 1
            let handle = candidate(at: Int(advanceCursor(of: candidates) % UInt(available)), in: candidates)
            guard let slot = slots[handle] else { continue }
            if let expiresAt = slot.expiresAt, expiresAt <= now {
                removeFromRings(handle)
                continue
            }
            if excluded.contains(handle) { continue }
            if slot.health.isOnTrial(at: now) {
                removeFromRings(handle)
                slots[handle]!.trialInFlight = true
                return .leased(KeyLease(key: slot.key, isTrial: true))
            }
            return .leased(KeyLease(key: slot.key, isTrial: false))
        }
        return .noneUsable(retryAt: earliestReturn(now: now))
    }

    /// The name a model is routed by: Ollama treats `name` and `name:latest` as the same model.
    static func routingName(_ model: String) -> String {
        model.hasSuffix(":latest") ? String(model.dropLast(7)) : model
    }

    /// The distinct routing names of a key's model list.
    static func routingNames(_ models: [String]) -> Set<String> {
        Set(models.map(routingName))
    }

    private func count(of candidates: Candidates) -> Int {
        switch candidates {
        case .every: return everyKey.count
        case .serving(let name): return (byModel[name]?.count ?? 0) + anyModel.count
        }
    }

    /// The handle at `position` of the candidates, listing keys that name the model before the others.
    private func candidate(at position: Int, in candidates: Candidates) -> Int {
        switch candidates {
        case .every:
            return everyKey.handles[position]
        case .serving(let name):
            let specific = byModel[name]?.handles ?? []
            return position < specific.count ? specific[position] : anyModel.handles[position - specific.count]
        }
    }

    /// Returns the cursor for this walk and moves it on. A model's ring carries the cursor of walks for that
    /// model; a model no key lists uses the cursor of `anyModel`.
    private mutating func advanceCursor(of candidates: Candidates) -> UInt {
        switch candidates {
        case .every:
            defer { everyKey.cursor &+= 1 }
            return everyKey.cursor
        case .serving(let name):
            if byModel[name] != nil {
                defer { byModel[name]!.cursor &+= 1 }
                return byModel[name]!.cursor
            }
            defer { anyModel.cursor &+= 1 }
            return anyModel.cursor
        }
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
        guard slots[handle]?.inRotation == false else { return }
        slots[handle]!.inRotation = true
        everyKey.insert(handle)
        let models = slots[handle]!.models
        if models.isEmpty {
            anyModel.insert(handle)
        } else {
            for name in Self.routingNames(models) { byModel[name, default: RotationRing()].insert(handle) }
        }
    }

    private mutating func removeFromRings(_ handle: Int) {
        guard slots[handle]?.inRotation == true else { return }
        slots[handle]!.inRotation = false
        everyKey.remove(handle)
        let models = slots[handle]!.models
        if models.isEmpty {
            anyModel.remove(handle)
        } else {
            for name in Self.routingNames(models) {
                byModel[name]?.remove(handle)
                if byModel[name]?.isEmpty == true { byModel[name] = nil }
            }
        }
    }
}
