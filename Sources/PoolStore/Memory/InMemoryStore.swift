import Foundation
import PoolCore
import Synchronization

/// A store that keeps everything in memory and forgets it with the process: for tests and throwaway gateways.
///
/// It keeps the contract the SQLite store keeps, so code tested against one behaves the same on the other:
/// a provider and key identity (`KeyIdentity`) is stored once, keys load in insertion order, rows about deleted
/// keys or tokens are skipped rather than failing a batch, and a closed store refuses work. Every call runs under
/// one lock and applies entirely or (when it throws) not at all, as a transaction would.
public final class InMemoryStore: PoolStore {
    /// Model hours older than this are not loaded, as with SQLite.
    static let modelHourRetention = SQLiteStore.modelHourRetention

    /// Keys per `keyBatches` call, as SQLite hands them over.
    static let loadBatchSize = 1024

    /// Always `memory`, for `/health`.
    public var kind: String { "memory" }

    private let state = Mutex(State())
    /// Token usage per day and budget leases (`InMemoryStore+TokenPolicies`).
    let tokenLedger = InMemoryTokenLedger()
    /// Jobs and heartbeats (`InMemoryStore+Jobs`).
    let jobTable = InMemoryJobs()
    /// The request log (`InMemoryStore+RequestLog`).
    let requestTable = Mutex<[RequestRecord]>([])
    /// Stored provider definitions (`InMemoryStore+Providers`).
    let providerTable = Mutex(InMemoryProviders())

    /// An empty, open store.
    public init() {}

    // MARK: - Loading

    /// Everything stored; with `keyBatches`, keys and their statistics go to it in batches instead.
    public func loadSnapshot(
        keyBatches: (@Sendable (_ keys: [KeyRecord], _ stats: [KeyStatsRecord]) -> Void)?
    ) async throws -> StoreSnapshot {
        let since = Int(Date().timeIntervalSince1970 - Self.modelHourRetention)
        var snapshot = try state.withLock { state in
            try state.checkOpen()
            return state.snapshot(modelHoursSince: since)
        }
        snapshot.providers = providerTable.withLock { $0.ordered }
        if let keyBatches {
            // Handed over outside the lock: the receiver may take its time (the pool indexes every key).
            let statsByKey = Dictionary(
                snapshot.keyStats.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
            var start = 0
            while start < snapshot.keys.count {
                let keys = Array(snapshot.keys[start..<min(start + Self.loadBatchSize, snapshot.keys.count)])
                keyBatches(keys, keys.compactMap { statsByKey[$0.id] })
                start += Self.loadBatchSize
            }
            snapshot.keys = []
            snapshot.keyStats = []
        }
        return snapshot
    }

    // MARK: - Keys

    /// Inserts the keys whose provider and identity (`KeyIdentity`) are not stored yet (nor earlier in the same batch).
    /// - Returns: the ids of the keys actually inserted.
    /// - Throws: `StoreError`, inserting nothing, when a key's id is already taken.
    public func insertKeys(_ keys: [KeyRecord]) async throws -> Set<String> {
        try state.withLock { state in
            try state.checkOpen()
            return try state.insert(keys)
        }
    }

    /// Deletes the keys and their statistics. Unknown ids are ignored.
    public func deleteKeys(ids: [String]) async throws {
        try state.withLock { state in
            try state.checkOpen()
            state.delete(ids: Set(ids))
        }
    }

    /// Replaces condition and failure counters of existing keys; records for unknown keys are ignored.
    public func updateKeyHealth(_ records: [KeyHealthRecord]) async throws {
        try state.withLock { state in
            try state.checkOpen()
            state.apply(records)
        }
    }

    /// Replaces models, category and credit of existing keys; unknown ids are ignored.
    public func updateKeyProfiles(_ records: [KeyProfileRecord]) async throws {
        try state.withLock { state in
            try state.checkOpen()
            for record in records {
                state.keys[record.keyID]?.models = record.models
                state.keys[record.keyID]?.category = record.category
                state.keys[record.keyID]?.credit = record.credit
            }
        }
    }

    /// Replaces existing keys' weight and tier; unknown ids are ignored.
    public func updateKeyPlacements(_ records: [KeyPlacementRecord]) async throws {
        try state.withLock { state in
            try state.checkOpen()
            for record in records { state.keys[record.keyID]?.placement = record.placement }
        }
    }

    // MARK: - Client tokens

    /// - Throws: `StoreError` when a token with the same id or token hash exists.
    public func insertToken(_ token: ClientTokenRecord) async throws {
        try state.withLock { state in
            try state.checkOpen()
            guard state.tokens[token.id] == nil,
                !state.tokens.values.contains(where: { $0.tokenHash == token.tokenHash })
            else {
                throw StoreError("a client token with this id or token hash already exists")
            }
            state.tokens[token.id] = token
        }
    }

    /// - Returns: false when no token had this id.
    public func deleteToken(id: String) async throws -> Bool {
        try state.withLock { state in
            try state.checkOpen()
            return state.tokens.removeValue(forKey: id) != nil
        }
    }

    /// Replaces a token's name, expiry, provider scope and policy (counters stay).
    /// - Returns: false when no token had this id.
    public func updateToken(_ token: ClientTokenRecord) async throws -> Bool {
        try state.withLock { state in
            try state.checkOpen()
            guard let stored = state.tokens[token.id] else { return false }
            var updated = token
            updated.requestCount = stored.requestCount
            updated.tokenHash = stored.tokenHash
            updated.prefix = stored.prefix
            state.tokens[token.id] = updated
            return true
        }
    }

    /// The ids of the stored tokens (usage rows of other ids are skipped, as with SQLite's foreign key).
    func tokenIDs() -> Set<String> {
        state.withLock { Set($0.tokens.keys) }
    }

    // MARK: - Traffic batches

    /// Stores the batch's absolute counters; rows about keys or tokens deleted meanwhile are skipped.
    public func write(_ batch: StatsBatch) async throws {
        try state.withLock { state in
            try state.checkOpen()
            // A batch id is applied once, as the other stores record it.
            guard state.appliedBatches.insert(batch.id).inserted else { return }
            if !batch.keyStats.isEmpty { state.revision += 1 }
            for stats in batch.keyStats where state.keys[stats.keyID] != nil {
                state.keyStats[stats.keyID] = StatsDeltas.adding(stats, to: state.keyStats[stats.keyID])
                state.keyStatsRevision[stats.keyID] = state.revision
            }
            let now = Date()
            for record in batch.keyHealth where state.isFresh(record) {
                state.keys[record.keyID]?.health.merge(record.health, at: now)
            }
            for count in batch.tokenRequestCounts {
                state.tokens[count.tokenID]?.requestCount += count.requestCount
            }
            for stats in batch.globalStats {
                state.globalStats[stats.provider] = StatsDeltas.adding(stats, to: state.globalStats[stats.provider])
            }
            for hour in batch.modelHours {
                state.modelHours[ModelHourKey(hour)] = StatsDeltas.adding(
                    hour, to: state.modelHours[ModelHourKey(hour)])
            }
        }
    }

    // MARK: - Settings

    public func setting(_ name: String) async throws -> String? {
        try state.withLock { state in
            try state.checkOpen()
            return state.settings[name]
        }
    }

    public func setSetting(_ name: String, value: String) async throws {
        try state.withLock { state in
            try state.checkOpen()
            state.settings[name] = value
        }
    }

    /// One object is one writer: there is never anybody else's change to report.
    public func revision() async throws -> Int64 {
        try state.withLock { state in
            try state.checkOpen()
            return 0
        }
    }

    public func changes(after revision: Int64) async throws -> StoreChanges {
        try state.withLock { state in
            try state.checkOpen()
            return StoreChanges(revision: revision)
        }
    }

    /// The stored counters; one writer, so they are its own (what the other stores return for one writer).
    public func sharedTotals(
        keysChangedAfter revision: Int64, hoursSince: Int, keyStats: @escaping @Sendable ([KeyStatsRecord]) -> Void
    ) async throws -> SharedTotals {
        let (totals, changed) = try state.withLock { state in
            try state.checkOpen()
            let snapshot = state.snapshot(modelHoursSince: hoursSince)
            let totals = SharedTotals(
                revision: state.revision,
                tokenCounts: Dictionary(
                    snapshot.tokens.map { ($0.id, $0.requestCount) }, uniquingKeysWith: { first, _ in first }),
                globalStats: snapshot.globalStats, modelHours: snapshot.modelHours)
            return (totals, snapshot.keyStats.filter { (state.keyStatsRevision[$0.keyID] ?? 0) > revision })
        }
        for start in stride(from: 0, to: changed.count, by: SharedTotals.keyStatsPageSize) {
            keyStats(Array(changed[start..<min(start + SharedTotals.keyStatsPageSize, changed.count)]))
        }
        return totals
    }

    /// Secrets in memory are never encrypted: nothing to rewrite beyond counting them.
    public func rotateSecrets(to cipher: SecretCipher) async throws -> Int {
        try state.withLock { state in
            try state.checkOpen()
            return state.keys.count
        }
    }

    // MARK: - Lifecycle

    /// Throws `StoreError` once the store is closed.
    func checkOpen() throws {
        try state.withLock { try $0.checkOpen() }
    }

    /// Drops everything; later calls throw `StoreError`. Closing twice is harmless.
    public func close() async throws {
        state.withLock { state in state = State(closed: true) }
        providerTable.withLock { $0 = InMemoryProviders() }
    }
}

/// What identifies a stored key: the same identity (`KeyIdentity`) may be stored once per provider.
private struct SecretIdentity: Hashable {
    var provider: ProviderID
    var identity: String

    init(_ key: KeyRecord) {
        provider = key.provider
        identity = key.identity
    }
}

/// What identifies a model hour row.
private struct ModelHourKey: Hashable {
    var provider: ProviderID
    var model: String
    var hourStart: Int

    init(_ hour: ModelHourRecord) {
        provider = hour.provider
        model = hour.model
        hourStart = hour.hourStart
    }
}

/// The tables, guarded together by the store's lock.
private struct State {
    var closed = false
    var keys: [String: KeyRecord] = [:]
    /// Key ids in insertion order, the order keys load in.
    var keyOrder: [String] = []
    var secrets: Set<SecretIdentity> = []
    var keyStats: [String: KeyStatsRecord] = [:]
    var tokens: [String: ClientTokenRecord] = [:]
    var globalStats: [ProviderID: GlobalStatsRecord] = [:]
    var modelHours: [ModelHourKey: ModelHourRecord] = [:]
    var settings: [String: String] = [:]
    /// Ids of the stats batches already applied.
    var appliedBatches: Set<String> = []
    /// Bumped by every batch with key statistics; each key's last one (`sharedTotals`).
    var revision: Int64 = 0
    var keyStatsRevision: [String: Int64] = [:]
    /// When each key's health was last replaced (`KeyHealthRecord.decidedAt`).
    var healthReplacedAt: [String: Date] = [:]

    func checkOpen() throws {
        if closed { throw StoreError("the in-memory store is closed") }
    }

    /// Checks every id before storing anything, so a refused batch leaves no trace (SQLite rolls back).
    mutating func insert(_ batch: [KeyRecord]) throws -> Set<String> {
        var batchIDs = Set<String>()
        for key in batch where keys[key.id] != nil || !batchIDs.insert(key.id).inserted {
            throw StoreError("a key with id \(key.id) already exists")
        }
        var inserted = Set<String>()
        for key in batch where secrets.insert(SecretIdentity(key)).inserted {
            inserted.insert(key.id)
            keys[key.id] = key
            keyOrder.append(key.id)
        }
        return inserted
    }

    mutating func delete(ids: Set<String>) {
        let doomed = ids.filter { keys[$0] != nil }
        guard !doomed.isEmpty else { return }
        for id in doomed {
            if let key = keys.removeValue(forKey: id) {
                secrets.remove(SecretIdentity(key))
            }
            keyStats.removeValue(forKey: id)
            healthReplacedAt.removeValue(forKey: id)
        }
        keyOrder.removeAll { doomed.contains($0) }
    }

    /// Replaces health (an admin's change, a probe's lift), unless decided before the key's last replacement,
    /// and stamps the key with the replacement's time (`KeyHealthRecord.decidedAt`, else now).
    mutating func apply(_ healths: [KeyHealthRecord]) {
        let now = Date()
        for record in healths where keys[record.keyID] != nil && isFresh(record) {
            keys[record.keyID]?.health = record.health
            healthReplacedAt[record.keyID] = record.decidedAt ?? now
        }
    }

    /// False for health decided before the key's last replacement (`KeyHealthMergeSQL.notBeforeReplacement`).
    func isFresh(_ record: KeyHealthRecord) -> Bool {
        guard let decidedAt = record.decidedAt, let replacedAt = healthReplacedAt[record.keyID] else { return true }
        return decidedAt >= replacedAt
    }

    /// Keys in insertion order, tokens by creation, model hours since `since` by hour, provider and model.
    func snapshot(modelHoursSince since: Int) -> StoreSnapshot {
        let orderedKeys = keyOrder.compactMap { keys[$0] }
        return StoreSnapshot(
            keys: orderedKeys,
            keyStats: orderedKeys.compactMap { keyStats[$0.id] },
            tokens: tokens.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) },
            globalStats: globalStats.values.sorted { $0.provider.rawValue < $1.provider.rawValue },
            modelHours: modelHours.values.filter { $0.hourStart >= since }.sorted {
                ($0.hourStart, $0.provider.rawValue, $0.model) < ($1.hourStart, $1.provider.rawValue, $1.model)
            }
        )
    }
}
